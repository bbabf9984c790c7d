/* libFuzzer target: the Java-style properties parser behind kafka-produce -F (lib/tl_kafka.c). */
#include "tl_kafka.h"
#include "tl_log.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tl_kafka_conf kc;
	tl_log_set_level(-1);
	tl_kafka_conf_init(&kc, TL_KAFKA_CONSUMER);
	tl_kafka_conf_text(&kc, (const char *)data, size, "fuzz");
	tl_kafka_conf_release(&kc);
	tl_log_cleanup();
	return 0;
}
