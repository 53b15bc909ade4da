#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Independent check of a generated scenario (tests/system/test_scenario_gen.sh).

    scenario_oracle.py DIR
    scenario_oracle.py DIR --state DOMAINS HOSTS

Reads DIR/epp.log by its envelope headers and plain string matching (not
with fluxaudit's reader, nor with the generator's code), and checks that
every malicious label has the events its scenario promises
(docs/scenarios.md), that the planned migration is what it claims, and
that labels.csv and summary.json agree. Prints one line per failed check
and, last, `ns_txns=N glue_txns=M records=R`: the successful domain
updates that change an NS set and the successful host updates, for the
caller to compare with the database. Exit status 0 when every check
passed.
"""

import csv
import json
import re
import sys
from collections import defaultdict

HDR = re.compile(rb"EPPTX (.*)\n")
NAME = re.compile(rb"<domain:name[^>]*>([^<]+)</domain:name>")
HNAME = re.compile(rb"<host:name>([^<]+)</host:name>")
CODE = re.compile(rb'<result code="(\d+)">')
NSBLK = re.compile(rb"<domain:(add|rem)><domain:ns>")
TTL = re.compile(rb'<ttl:ttl for="NS">(\d+)</ttl:ttl>')
CID = re.compile(rb"<contact:id>([^<]+)</contact:id>")
REGISTRANT = re.compile(rb"<domain:registrant>([^<]+)</domain:registrant>")


def records(path):
    data = open(path, "rb").read()
    pos = 0
    while pos < len(data):
        if data.startswith(b"#", pos):
            pos = data.index(b"\n", pos) + 1
            continue
        m = HDR.match(data, pos)
        if not m:
            raise SystemExit("oracle: no header at offset %d" % pos)
        kv = dict(x.split(b"=", 1) for x in m.group(1).split(b" "))
        c0 = m.end()
        cl = int(kv[b"cmd"])
        rl = int(kv[b"rsp"])
        yield (kv[b"time"].decode(), kv[b"clid"].decode(), kv[b"addr"].decode(),
               kv[b"session"].decode(), data[c0:c0 + cl], data[c0 + cl:c0 + cl + rl])
        pos = c0 + cl + rl


def secs(t):
    # 2026-11-05T01:02:03.456Z -> seconds since 2026-10-01 (monotonic enough)
    d, h = t[:10], t[11:23]
    day = int(d[5:7]) * 31 + int(d[8:10])
    return day * 86400 + int(h[0:2]) * 3600 + int(h[3:5]) * 60 + float(h[6:12])


def zone_vs_state(out, domains_file, hosts_file):
    """Compares the last zone snapshot with the registry state the store
    holds after the ingest (`name|ns ns ...`, `host|addr addr ...` lines):
    same NS set per delegation, same glue per in-zone name server, except
    for the domains of registry-side fixes (labelled registry_fix)."""
    import glob
    last = sorted(glob.glob(out + "/zones/*.zone"))[-1]
    origin = json.load(open(out + "/summary.json"))["origin"]
    fixed = {r["entity"] for r in csv.DictReader(open(out + "/labels.csv"))
             if r["scenario"] == "registry_fix"}
    zns = defaultdict(set)
    zglue = defaultdict(set)
    for line in open(last):
        f = line.split()
        if len(f) != 5 or f[0] == "@" or f[2] != "IN":
            continue
        name = f[0] + "." + origin
        if f[3] == "NS":
            zns[name].add(f[4].rstrip("."))
        elif f[3] in ("A", "AAAA"):
            zglue[name].add(f[4])
    sns = {}
    for line in open(domains_file):
        name, ns = line.rstrip("\n").split("|")
        if ns:
            sns[name] = set(ns.split())
    saddr = {}
    for line in open(hosts_file):
        name, addrs = line.rstrip("\n").split("|")
        saddr[name] = set(addrs.split())
    bad = []
    for name in sorted(set(zns) | set(sns)):
        if name in fixed or name.endswith(".nic." + origin):
            continue
        if zns.get(name) != sns.get(name):
            bad.append("zone %s: NS %s, the store %s" % (name, sorted(zns.get(name, ())),
                                                        sorted(sns.get(name, ()))))
    targets = {h for v in zns.values() for h in v if h.endswith("." + origin)}
    for h in sorted(targets):
        if not h.endswith(".nic." + origin) and zglue.get(h, set()) != saddr.get(h, set()):
            bad.append("zone %s: glue %s, the store %s" % (h, sorted(zglue.get(h, ())),
                                                          sorted(saddr.get(h, ()))))
    for b in bad[:20]:
        print("FAIL: " + b)
    print("zone_delegations=%d zone_glue_hosts=%d mismatches=%d" %
          (len(zns), len(targets), len(bad)))
    return 1 if bad else 0


def main():
    out = sys.argv[1]
    if len(sys.argv) == 5 and sys.argv[2] == "--state":
        return zone_vs_state(out, sys.argv[3], sys.argv[4])
    bad = []
    ns_changes = defaultdict(list)      # domain -> [(t, clid, addr, session)]
    glue = defaultdict(int)             # host -> successful host:update count
    created = {}                        # domain -> (t, ttl)
    failed = defaultdict(list)          # session -> [code]
    seen_addr = defaultdict(dict)       # clid -> addr -> first time
    contact_upd = {}                    # contact -> first update time
    authinfo = {}                       # domain -> (t, statuses removed?)
    transfer_req = {}
    registrant_of = {}
    nrec = 0
    for t, clid, addr, sess, cmd, rsp in records(out + "/epp.log"):
        nrec += 1
        s = secs(t)
        if addr not in seen_addr[clid]:
            seen_addr[clid][addr] = s
        m = CODE.search(rsp)
        code = int(m.group(1)) if m else 0
        if code >= 2000:
            failed[sess].append(code)
            continue
        if b"<domain:update" in cmd:
            name = NAME.search(cmd).group(1).decode()
            if NSBLK.search(cmd):
                ns_changes[name].append((s, clid, addr, sess))
            if b"<domain:authInfo>" in cmd and b"<domain:rem>" in cmd:
                authinfo.setdefault(name, s)
        elif b"<domain:create" in cmd:
            name = NAME.search(cmd).group(1).decode()
            m = TTL.search(cmd)
            created[name] = (s, int(m.group(1)) if m else None)
            registrant_of[name] = REGISTRANT.search(cmd).group(1).decode()
        elif b"<host:update" in cmd:
            glue[HNAME.search(cmd).group(1).decode()] += 1
        elif b"<contact:update" in cmd:
            contact_upd.setdefault(CID.search(cmd).group(1).decode(), s)
        elif b'<transfer op="request">' in cmd:
            transfer_req.setdefault(NAME.search(cmd).group(1).decode(), s)
        elif b"<domain:infData" in rsp:
            m = re.search(rb"<domain:name>([^<]+)</domain:name>.*?<domain:registrant>"
                          rb"([^<]+)</domain:registrant>", rsp)
            registrant_of[m.group(1).decode()] = m.group(2).decode()

    labels = list(csv.DictReader(open(out + "/labels.csv")))
    counts = defaultdict(int)
    hijack = defaultdict(list)
    migration = []
    for row in labels:
        scen, kind, ent = row["scenario"], row["entity_kind"], row["entity"]
        via = row["detect_via"].split("|")
        counts[(scen, kind)] += 1
        if "%s:%s" % (kind, ent) not in via:
            bad.append("%s %s: detect_via does not name the entity itself" % (scen, ent))
        hosts = [v[5:] for v in via if v.startswith("host:")]
        if scen == "fast_flux" and kind == "domain":
            if ent not in created or created[ent][1] is None or created[ent][1] > 300:
                bad.append("fast_flux %s: not created in the window with NS TTL <= 300" % ent)
            if len(ns_changes[ent]) != 1:
                bad.append("fast_flux %s: %d NS updates, expected 1 (the delegation)"
                           % (ent, len(ns_changes[ent])))
            for h in hosts:
                if glue[h] < 10:
                    bad.append("fast_flux %s: host %s has %d glue updates" % (ent, h, glue[h]))
        elif scen == "double_flux" and kind == "domain":
            infra = hosts and all(h.endswith("." + ent) for h in hosts)
            need = 1 if infra else 5
            if ent not in created or len(ns_changes[ent]) < need:
                bad.append("double_flux %s: %d NS updates, expected >= %d"
                           % (ent, len(ns_changes[ent]), need))
            if infra and any(glue[h] < 10 for h in hosts):
                bad.append("double_flux %s: an NS host has fewer than 10 glue updates" % ent)
        elif scen == "registrar_hijack":
            reg = [v[10:] for v in via if v.startswith("registrar:")]
            if len(ns_changes[ent]) != 1 or len(reg) != 1 or ns_changes[ent][0][1] != reg[0]:
                bad.append("registrar_hijack %s: expected one NS update by the registrar" % ent)
            else:
                hijack[reg[0]].append(ns_changes[ent][0])
        elif scen == "registrant_takeover":
            c = [v[11:] for v in via if v.startswith("registrant:")][0]
            if registrant_of.get(ent) != c:
                bad.append("registrant_takeover %s: registrant is not %s" % (ent, c))
            tc = contact_upd.get(c)
            ta = authinfo.get(ent)
            tn = ns_changes[ent][0][0] if ns_changes[ent] else transfer_req.get(ent)
            if tc is None or ta is None or tn is None or not tc < ta <= tn < tc + 8 * 3600:
                bad.append("registrant_takeover %s: contact update, authInfo change with "
                           "status removal, then NS change or transfer within 8 h missing"
                           % ent)
        elif scen == "benign_migration":
            if len(ns_changes[ent]) != 1:
                bad.append("benign_migration %s: %d NS updates" % (ent, len(ns_changes[ent])))
            else:
                migration.append(ns_changes[ent][0])
    for reg, moves in hijack.items():
        times = sorted(m[0] for m in moves)
        sessions = {m[3] for m in moves}
        addrs = {m[2] for m in moves}
        if times[-1] - times[0] > 1800 or len(sessions) != 1 or len(addrs) != 1:
            bad.append("registrar_hijack %s: moves not in one session within 30 min" % reg)
            continue
        addr = addrs.pop()
        if seen_addr[reg][addr] < times[0] - 600:
            bad.append("registrar_hijack %s: session address %s seen before" % (reg, addr))
        nfail = sum(len(v) for s, v in failed.items() if s.startswith(reg + "-x")
                    or s.startswith(reg + "-f"))
        if nfail < 5:
            bad.append("registrar_hijack %s: only %d failed commands" % (reg, nfail))
    # Two planned moves, each within two hours (a gap of more than two
    # hours separates them).
    times = sorted(m[0] for m in migration)
    moves = [[times[0]]] if times else []
    for x in times[1:]:
        if x - moves[-1][-1] > 2 * 3600:
            moves.append([])
        moves[-1].append(x)
    if len(moves) != 2 or any(mv[-1] - mv[0] > 2 * 3600 for mv in moves):
        bad.append("benign_migration: %d moves, expected 2 of at most 2 hours each"
                   % len(moves))
    summ = json.load(open(out + "/summary.json"))
    for (scen, kind), n in counts.items():
        if summ["scenarios"].get(scen, {}).get(kind) != n:
            bad.append("summary.json: %s %s is not %d" % (scen, kind, n))
    if summ["transactions"] != nrec:
        bad.append("summary.json: %s transactions, the log has %d" % (summ["transactions"], nrec))
    for b in bad:
        print("FAIL: " + b)
    print("ns_txns=%d glue_txns=%d records=%d" % (
        sum(len(v) for v in ns_changes.values()), sum(glue.values()), nrec))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
