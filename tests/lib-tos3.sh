# tests/lib-tos3.sh: helpers shared by the t06*-tos3 tests (kafka-to-s3).
#
#   tos3_gen N [START]        N records as "key<TAB>json" lines for kcat -P -K'\t': unique ids,
#                             times in several forms over two days, some without a readable time
#                             (every 97th), some not JSON (every 89th)
#   tos3_produce TOPIC FILE   produce FILE's lines (keys spread them over the partitions)
#   tos3_feed TOPIC FILE SECS produce FILE's lines evenly over SECS seconds (a live stream)
#   tos3_dump TOPIC > FILE    what the topic holds, for tests/helpers/tos3-check.py
#   tos3_check LAKE DUMP [ARGS]  run the checker

tos3_gen() {
	python3 - "$1" "${2:-0}" <<'PY'
import sys, datetime
n, start = int(sys.argv[1]), int(sys.argv[2])
base = datetime.datetime(2026, 11, 24, 0, 0, 0, tzinfo=datetime.timezone.utc)
for i in range(start, start + n):
    t = base + datetime.timedelta(seconds=(i * 7919) % (2 * 86400))
    ep = int(t.timestamp())
    if i % 89 == 0:
        print('k%d\t{"id":%d, broken' % (i, i))
        continue
    if i % 97 == 0:
        ca = '"created_at":"not a time"' if i % 2 else '"other":1'
    elif i % 5 == 0:
        ca = '"created_at":%d' % ep
    elif i % 5 == 1:
        ca = '"created_at":%d' % (ep * 1000 + 123)
    elif i % 5 == 2:
        tt = t + datetime.timedelta(hours=1)
        ca = '"created_at":"%s.123456+01:00"' % tt.strftime("%Y-%m-%dT%H:%M:%S")
    else:
        ca = '"created_at":"%s"' % t.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    lang = ["en", "fr", "ja"][i % 3]
    print('k%d\t{"id":%d,%s,"lang":"%s","text":"tweet number %d \\u00e9"}' % (i, i, ca, lang, i))
PY
}

tos3_produce() {
	kcat -P -b "$KAFKA_BROKERS" -t "$1" -K "$(printf '\t')" -l "$2"
}

tos3_feed() {
	python3 -c '
import sys, time
lines = open(sys.argv[1], "rb").readlines()
secs, step = float(sys.argv[2]), 50
t0 = time.monotonic()
for i in range(0, len(lines), step):
    sys.stdout.buffer.writelines(lines[i:i + step])
    sys.stdout.flush()
    delay = t0 + secs * (i + step) / len(lines) - time.monotonic()
    if delay > 0:
        time.sleep(delay)
' "$2" "$3" | kcat -P -b "$KAFKA_BROKERS" -t "$1" -K "$(printf '\t')"
}

tos3_dump() {
	kcat -C -b "$KAFKA_BROKERS" -t "$1" -e -q -o beginning -f '%t\t%p\t%o\t%T\t%s\n'
}

tos3_check() {
	python3 "$TOP/tests/helpers/tos3-check.py" "$@"
}

# tos3_gen_hostile: records whose value v is ".", "..", ".hidden", "../../x", 300 bytes long
# (id 5: too long for a file name) or 250 bytes long (id 6), among ordinary ones.
tos3_gen_hostile() {
	python3 - <<'PY'
vals = ["..", ".", ".hidden", "../../x", "ok", "y" * 300, "z" * 250, "..", "."]
for i in range(40):
    v = vals[i] if i < len(vals) else vals[i % 5]
    print('k%d\t{"id":%d,"v":"%s"}' % (i, i, v))
PY
}

# tos3_gen_straggler N: one record of 2026-01-01T00, then N records two by two in later hours
# (an old object stays open while many paths get stored above it).
tos3_gen_straggler() {
	python3 - "$1" <<'PY'
import sys, datetime
b = datetime.datetime(2026, 2, 1, tzinfo=datetime.timezone.utc)
print('k0\t{"id":0,"created_at":"2026-01-01T00:00:00Z"}')
for i in range(1, int(sys.argv[1]) + 1):
    t = b + datetime.timedelta(hours=(i + 1) // 2)
    print('k%d\t{"id":%d,"created_at":"%s"}' % (i, i, t.strftime("%Y-%m-%dT%H:%M:%SZ")))
PY
}
