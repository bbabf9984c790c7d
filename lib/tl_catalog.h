/* tl_catalog.h: the table catalog, in the AWS Glue Data Catalog or in a local folder.
 *
 * Tables are Glue JSON throughout: a TableInput (what CreateTable/UpdateTable take) is built
 * from what a crawl found, merged with what exists, and written either to Glue (JSON 1.1 calls
 * through tl_aws) or to a local catalog.
 *
 * THE LOCAL CATALOG FORMAT (read by `athena-query --local` and anyone else):
 *
 *   DIR/DB/                        a folder per database
 *   DIR/DB/TABLE.json              {"Table":{...}}: GetTable's response. The Table holds Name,
 *                                  DatabaseName, TableType "EXTERNAL_TABLE", Retention,
 *                                  CreateTime and UpdateTime (epoch seconds, numbers, as the
 *                                  JSON 1.1 protocol sends them), VersionId ("0", "1"...),
 *                                  IsRegisteredWithLakeFormation false, PartitionKeys
 *                                  [{"Name","Type"}], Parameters {string: string} and the
 *                                  StorageDescriptor {Columns [{"Name","Type"}], Location,
 *                                  InputFormat, OutputFormat, Compressed, NumberOfBuckets,
 *                                  SerdeInfo {SerializationLibrary, Parameters}, BucketColumns,
 *                                  SortColumns, Parameters, StoredAsSubDirectories}.
 *   DIR/DB/TABLE/partitions.json   {"Partitions":[...]}: GetPartitions's response (all pages in
 *                                  one), each {"Values":[...], "DatabaseName", "TableName",
 *                                  "CreationTime", "StorageDescriptor" (its own Location, the
 *                                  table's columns when it was registered or last widened),
 *                                  "Parameters"}, sorted by Values. Absent when the table has no
 *                                  registered partitions.
 *
 * So every .json file directly in DIR/DB/ is one table, and nothing else is. DB and TABLE are
 * Glue names (lower case; [a-z0-9_] when this library made them). Files are
 * replaced atomically (written beside, then renamed), so a reader never sees half a file.
 * Locations are URLs: s3://bucket/prefix/ for an S3 lake, file:///abs/path/ for a local one.
 */
#ifndef TL_CATALOG_H
#define TL_CATALOG_H
#include "tl_schema.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tl_aws;

#define TL_JSONSERDE "org.openx.data.jsonserde.JsonSerDe"
#define TL_TEXT_INPUT "org.apache.hadoop.mapred.TextInputFormat"
#define TL_TEXT_OUTPUT "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"

/* What a crawl found: the input of tl_catalog_table_input. */
struct tl_catalog_spec {
	const char *name;                 /* table name */
	const char *location;             /* table location URL, ending in '/' */
	const struct tl_schema *columns;  /* TL_SK_STRUCT: one column per canonical field */
	const char *const *partition_keys;
	size_t npartition_keys;
	bool compressed;                  /* gzip objects */
	bool stats;                       /* set recordCount, objectCount, sizeKey... */
	uint64_t records, objects, bytes, uncompressed_bytes;
	const char *updated_by;           /* UPDATED_BY_CRAWLER, e.g. "glue-crawl" */
	const cJSON *extra_params;        /* more table Parameters (projection), or NULL */
};

/* A TableInput as Glue's CreateTable takes it: EXTERNAL_TABLE, the openx JsonSerDe with its
 * "paths" (the top-level keys, sorted) and "mapping.COL" for each column whose name is not just
 * its key lower-cased, TextInputFormat / HiveIgnoreKeyTextOutputFormat, partition keys typed
 * string, and the Parameters a Glue crawler sets (classification, compressionType, typeOfData,
 * with stats recordCount, objectCount, averageRecordSize, sizeKey). Caller deletes. */
cJSON *tl_catalog_table_input(const struct tl_catalog_spec *spec);

/* The TableInput part of a Table (as GetTable returns it). Caller deletes. */
cJSON *tl_catalog_table_to_input(const cJSON *table);

/* A PartitionInput for the partition values[] at location, with the table input's storage
 * (columns, formats, SerDe) and the location replaced. Caller deletes. */
cJSON *tl_catalog_partition_input(const cJSON *table_input, const char *const *values,
				  size_t nvalues, const char *location);

enum {
	TL_CATALOG_REPLACE = 1,  /* the new input replaces the table's columns and keys */
};

/* What tl_catalog_merge changed. Names are column names; the lists are owned by the struct. */
struct tl_catalog_changes {
	char **added;
	size_t nadded;
	char **widened;
	size_t nwidened;
	bool changed;            /* anything at all differs from what exists */
};
void tl_catalog_changes_free(struct tl_catalog_changes *ch);

/* Merges a new TableInput into an existing Table (GetTable's "Table"; NULL when there is none).
 * Columns that exist keep their place and are never narrowed (tl_schema_merge); new ones are
 * appended; storage, SerDe and Parameters keys of the input override, other existing keys
 * (a person's SerDe options, comments) stay. With TL_CATALOG_REPLACE the input is taken as it
 * is. Partition keys that differ are an error unless TL_CATALOG_REPLACE.
 * Returns the TableInput to write (caller deletes) and fills *ch, or NULL with *err. */
cJSON *tl_catalog_merge(const cJSON *existing, const cJSON *input, int flags,
			struct tl_catalog_changes *ch, char **err);

/* The Athena DDL for a TableInput: CREATE EXTERNAL TABLE IF NOT EXISTS `db`.`name` (...)
 * PARTITIONED BY (...) ROW FORMAT SERDE ... WITH SERDEPROPERTIES (...) STORED AS INPUTFORMAT
 * ... OUTPUTFORMAT ... LOCATION '...' TBLPROPERTIES (...); with every name backquoted and
 * string literals escaped. Ends with ";\n". Caller frees; NULL with *err for a type it cannot
 * parse. */
char *tl_catalog_ddl(const char *db, const cJSON *table_input, char **err);

/* ---- catalogs ---- */

struct tl_catalog;

/* A local catalog under dir (created when written to). Never NULL. */
struct tl_catalog *tl_catalog_local(const char *dir);
/* The Glue Data Catalog through aws (not owned; must outlive the catalog). catalog_id may be
 * NULL (the caller's account). Never NULL. */
struct tl_catalog *tl_catalog_glue(struct tl_aws *aws, const char *catalog_id);
/* Frees the handle (not the tl_aws it uses). NULL is fine. */
void tl_catalog_free(struct tl_catalog *c);

/* Each call returns 0 on success or -1 with *err (a message for people; caller frees). Glue
 * calls block on the network and retry throttling as tl_aws does. Local calls fail on I/O
 * errors and on files that are not the JSON described above. */

/* Creates the database unless it exists; *created says which. */
int tl_catalog_ensure_database(struct tl_catalog *c, const char *db, bool *created, char **err);
/* *table receives the Table (caller deletes), or NULL when there is none. */
int tl_catalog_get_table(struct tl_catalog *c, const char *db, const char *name, cJSON **table,
			 char **err);
/* Every table of database db, as an array of Table objects (GetTables, all pages; locally each
 * DIR/DB/TABLE.json in name order, files that are not tables skipped with a warning); caller
 * deletes. A database that does not exist has no tables. */
int tl_catalog_list_tables(struct tl_catalog *c, const char *db, cJSON **tables, char **err);
/* CreateTable (create) or UpdateTable. -1 with *conflict set when Glue answered
 * AlreadyExistsException / ConcurrentModificationException / EntityNotFoundException: someone
 * else changed the table since it was read, so read it again and merge again. */
int tl_catalog_put_table(struct tl_catalog *c, const char *db, const cJSON *input, bool create,
			 bool *conflict, char **err);
/* All partitions (every page), as an array of Partition objects; caller deletes. */
int tl_catalog_get_partitions(struct tl_catalog *c, const char *db, const char *table,
			      cJSON **partitions, char **err);

struct tl_catalog_batch {
	size_t created;    /* new partitions registered */
	size_t existing;   /* skipped: they already existed */
	size_t failed;     /* refused for another reason (each reported with tl_warn) */
};
/* Registers PartitionInputs (an array) in calls of up to 100 (BatchCreatePartition), adding to
 * *res. Partitions that exist already count as existing, others that fail as failed; -1 only
 * when a whole call failed. */
int tl_catalog_add_partitions(struct tl_catalog *c, const char *db, const char *table,
			      const cJSON *inputs, struct tl_catalog_batch *res, char **err);
/* Rewrites existing partitions' storage (BatchUpdatePartition, up to 100 per call): used to give
 * old partitions a widened schema so Athena sees no HIVE_PARTITION_SCHEMA_MISMATCH. res->created
 * counts the updated ones. */
int tl_catalog_update_partitions(struct tl_catalog *c, const char *db, const char *table,
				 const cJSON *inputs, struct tl_catalog_batch *res, char **err);

#endif
