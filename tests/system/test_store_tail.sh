#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A log that is still being written ends inside its last record: ingest
# stops before that record (no reject), keeps the checkpoint at its start
# and says so; once the log has grown, the next ingest reads it whole. The
# same for a raw RFC 5734 capture, whose resumed reading must still know
# the session's registrar from the login before the checkpoint.
set -uo pipefail
name=tail
. "$FA_SOURCE_DIR/tests/data/store/lib.sh"

fa db migrate >/dev/null || exit 1
cd "$work"

# ---- envelope log, cut inside the host rename record at 8313 ----------
cut=$((8313 + 300))
head -c "$cut" "$data/story.log" >grow.log
out=$(fa ingest epp grow.log 2>&1); rc=$?
expect "cut log: notice naming file and offset, summary counts it, exit 0" \
"fluxaudit: incomplete record at end of \"grow.log\" at offset 8313 (300 bytes) was not read; it will be read when the file grows
grow.log: 10 records read, 10 transactions new, 0 duplicates, 0 read-only not stored, 18 events written, 0 rejected, 1 incomplete at the end
total: 10 records read, 10 transactions new, 0 duplicates, 0 read-only not stored, 18 events written, 0 rejected, 1 incomplete at the end
rc=0" "$out
rc=$rc"
expect "no reject stored, checkpoint at the start of the incomplete record" \
	"0|grow.log|8313" \
	"$(q "SELECT (SELECT count(*) FROM rejects), source, byte_offset FROM input_checkpoints")"

out=$(fa ingest epp grow.log 2>&1)
expect "the same cut log again: the same notice, nothing new" \
"grow.log: resuming at offset 8313
fluxaudit: incomplete record at end of \"grow.log\" at offset 8313 (300 bytes) was not read; it will be read when the file grows
grow.log: 0 records read, 0 transactions new, 0 duplicates, 0 read-only not stored, 0 events written, 0 rejected, 1 incomplete at the end
total: 0 records read, 0 transactions new, 0 duplicates, 0 read-only not stored, 0 events written, 0 rejected, 1 incomplete at the end" \
	"$out"

tail -c +"$((cut + 1))" "$data/story.log" >>grow.log
cmp -s grow.log "$data/story.log" || { echo "FAIL: grow.log is not story.log"; exit 1; }
out=$(fa ingest epp grow.log 2>&1); rc=$?
expect "grown log: the incomplete record is read whole, no reject" \
"grow.log: resuming at offset 8313
grow.log: 3 records read, 2 transactions new, 0 duplicates, 1 read-only not stored, 2 events written, 0 rejected, 0 incomplete at the end
total: 3 records read, 2 transactions new, 0 duplicates, 1 read-only not stored, 2 events written, 0 rejected, 0 incomplete at the end
rc=0" "$out
rc=$rc"
# 12: the domain:check at the end is read-only, not stored.
expect "every transaction of the log stored, no reject, checkpoint at the end" \
	"12|20|0|$(stat -c %s grow.log)" \
	"$(q "SELECT (SELECT count(*) FROM txns), (SELECT count(*) FROM events),
	      (SELECT count(*) FROM rejects), byte_offset FROM input_checkpoints")"
expect "the rename of the once incomplete record is applied" \
	"ns0.shop.ee|{198.51.100.7,2001:db8::53}|shop.ee" \
	"$(q "SELECT name, addrs, superordinate FROM hosts")"

# parse epp reports the same.
head -c "$cut" "$data/story.log" >cut.log
out=$("$FA_BIN" parse epp cut.log 2>&1 >/dev/null)
expect "parse epp: the same notice and count" \
"fluxaudit: incomplete record at end of \"cut.log\" at offset 8313 (300 bytes) was not read; it will be read when the file grows
cut.log: 10 records read, 10 transactions, 19 events, 0 rejected, 1 incomplete at the end" "$out"

# ---- raw RFC 5734 capture of one session -------------------------------
python3 - "$work" <<'EOF'
import struct, sys
E = 'urn:ietf:params:xml:ns:epp-1.0'
D = 'urn:ietf:params:xml:ns:domain-1.0'
H = 'urn:ietf:params:xml:ns:host-1.0'
frames = []
def frame(x):
    b = x.encode()
    frames.append(struct.pack('>I', len(b) + 4) + b)
def cmd(inner, n):
    frame('<?xml version="1.0" encoding="UTF-8"?><epp xmlns="%s"><command>%s'
          '<clTRID>c-%d</clTRID></command></epp>' % (E, inner, n))
def rsp(code, sv, n, data=''):
    frame('<?xml version="1.0" encoding="UTF-8"?><epp xmlns="%s"><response>'
          '<result code="%d"><msg>Command completed successfully</msg></result>%s'
          '<trID><clTRID>c-%d</clTRID><svTRID>%s</svTRID></trID></response></epp>'
          % (E, code, data, n, sv))
frame('<?xml version="1.0" encoding="UTF-8"?><epp xmlns="%s"><greeting><svID>x</svID>'
      '<svDate>2026-11-02T09:00:00Z</svDate></greeting></epp>' % E)
cmd('<login><clID>reg-raw</clID><pw>secret</pw><options><version>1.0</version>'
    '<lang>en</lang></options><svcs><objURI>%s</objURI></svcs></login>' % D, 1)
rsp(1000, 'RAW-1', 1)
for i in range(2, 8):
    cmd('<create><host:create xmlns:host="%s"><host:name>ns%d.raw.ee</host:name>'
        '<host:addr ip="v4">192.0.2.%d</host:addr></host:create></create>' % (H, i, i), i)
    rsp(1000, 'RAW-%d' % i, i)
cmd('<create><domain:create xmlns:domain="%s"><domain:name>raw.ee</domain:name>'
    '<domain:ns><domain:hostObj>ns2.raw.ee</domain:hostObj></domain:ns>'
    '<domain:registrant>c-1</domain:registrant><domain:authInfo><domain:pw>x</domain:pw>'
    '</domain:authInfo></domain:create></create>' % D, 8)
rsp(1000, 'RAW-8', 8, '<resData><domain:creData xmlns:domain="%s"><domain:name>raw.ee'
    '</domain:name><domain:crDate>2026-11-02T09:08:00Z</domain:crDate></domain:creData>'
    '</resData>' % D)
cmd('<update><domain:update xmlns:domain="%s"><domain:name>raw.ee</domain:name>'
    '<domain:add><domain:ns><domain:hostObj>ns3.raw.ee</domain:hostObj></domain:ns>'
    '</domain:add></domain:update></update>' % D, 9)
rsp(1000, 'RAW-9', 9)
cmd('<logout/>', 10)
rsp(1500, 'RAW-10', 10)
data = b''.join(frames)
offsets = []
at = 0
for f in frames:
    offsets.append(at)
    at += len(f)
# The domain:create command (frame 15) and the middle of its response.
cmd_at = offsets[15]
cut = offsets[16] + 40
assert cut > 4096, cut
open(sys.argv[1] + '/session.raw', 'wb').write(data)
open(sys.argv[1] + '/raw-cut', 'w').write('%d %d\n' % (cmd_at, cut))
EOF
read -r cmd_at rcut <raw-cut
head -c "$rcut" session.raw >live.raw
out=$(fa ingest epp --time 2026-11-02T09:00:00Z live.raw 2>&1); rc=$?
expect "cut capture: the command waiting for its response is held back" \
"fluxaudit: incomplete record at end of \"live.raw\" at offset $cmd_at ($((rcut - cmd_at)) bytes) was not read; it will be read when the file grows
live.raw: 7 records read, 7 transactions new, 0 duplicates, 0 read-only not stored, 13 events written, 0 rejected, 1 incomplete at the end
total: 7 records read, 7 transactions new, 0 duplicates, 0 read-only not stored, 13 events written, 0 rejected, 1 incomplete at the end
rc=0" "$out
rc=$rc"
expect "capture checkpoint at the held command" "$cmd_at" \
	"$(q "SELECT byte_offset FROM input_checkpoints WHERE source = 'live.raw'")"

tail -c +"$((rcut + 1))" session.raw >>live.raw
out=$(fa ingest epp --time 2026-11-02T09:00:00Z live.raw 2>&1); rc=$?
expect "grown capture: the rest is read, paired as in the session" \
"live.raw: resuming at offset $cmd_at
live.raw: 3 records read, 3 transactions new, 0 duplicates, 0 read-only not stored, 4 events written, 0 rejected, 0 incomplete at the end
total: 3 records read, 3 transactions new, 0 duplicates, 0 read-only not stored, 4 events written, 0 rejected, 0 incomplete at the end
rc=0" "$out
rc=$rc"
expect "after the resume the login's registrar still names the transactions" \
"sv:reg-raw:RAW-10|logout|1500|reg-raw
sv:reg-raw:RAW-8|domain:create|1000|reg-raw
sv:reg-raw:RAW-9|domain:update|1000|reg-raw" \
	"$(q "SELECT key, command, result_code, registrar FROM txns
	      WHERE source = 'live.raw' AND source_offset >= $cmd_at ORDER BY key")"
expect "the held domain:create and the update after it are in the state" \
	"raw.ee|reg-raw|{ns2.raw.ee,ns3.raw.ee}" \
	"$(q "SELECT name, registrar, ns FROM domains WHERE name = 'raw.ee'")"
expect "no rejects from the capture" "0" \
	"$(q "SELECT count(*) FROM rejects")"

# The whole capture read in one go gives the same: nothing new.
out=$(fa ingest epp --from-start --time 2026-11-02T09:00:00Z session.raw 2>&1)
expect "the whole capture adds nothing" \
"session.raw: 10 records read, 0 transactions new, 10 duplicates, 0 read-only not stored, 0 events written, 0 rejected, 0 incomplete at the end" \
	"$(echo "$out" | head -n 1)"
finish
