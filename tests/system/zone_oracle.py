#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Independent computation of the delegation changes between two zone
files, for checking `fluxaudit zone diff` (tests only).

It reads the one-record-a-line form that AXFR dumps have (absolute names,
no parentheses, no $ directives), builds the delegation model by itself
(NS below the apex, DS, A/AAAA of hosts named by a delegation NS) and
prints one line per change: kind name rrtype value ttl old, sorted.

usage: zone_oracle.py ORIGIN OLD NEW      changes, sorted
       zone_oracle.py --count ORIGIN OLD NEW   counts per kind
       zone_oracle.py --model ORIGIN FILE      the model: "owner type value"
                                               lines, then "owner type ttl=T"
                                               (the RRset's smallest TTL)
       zone_oracle.py --series ORIGIN DIR FILE...
                     for each FILE i (0-based) write DIR/model.i, and for
                     i > 0 DIR/changes.i (FILE i-1 to FILE i); each file is
                     read once
"""
import ipaddress
import sys

MODEL = ("NS", "DS", "A", "AAAA")


def norm(name):
    name = name.lower()
    return name[:-1] if name.endswith(".") else name


def below(name, origin):
    if origin == "":
        return name != ""
    return name.endswith("." + origin)


_values = {}


def value(rtype, fields):
    # The versions of a series repeat most records: remember the results.
    key = (rtype, tuple(fields))
    if key not in _values:
        _values[key] = _value(rtype, fields)
    return _values[key]


def _value(rtype, fields):
    if rtype == "NS":
        return norm(fields[0])
    if rtype in ("A", "AAAA"):
        return str(ipaddress.ip_address(fields[0]))
    keytag, alg, dtype = fields[0], fields[1], fields[2]
    return "%d %d %d %s" % (int(keytag), int(alg), int(dtype),
                            "".join(fields[3:]).upper())


def load(path, origin):
    """{(owner, type): {value: ttl}} and the set of NS target hosts."""
    sets = {}
    targets = set()
    with open(path, encoding="ascii") as f:
        for line in f:
            head = line.split(None, 4)
            # Most lines are signatures and NSEC chains: skip them before
            # doing any real work.
            if len(head) < 5 or head[3] not in MODEL:
                if line.split(";", 1)[0].strip() and len(head) < 5:
                    raise SystemExit("%s: unexpected line %r" % (path, line))
                continue
            line = line.split(";", 1)[0].strip()
            owner, ttl, klass, rtype, *rdata = line.split()
            owner = norm(owner)
            if klass != "IN":
                raise SystemExit("%s: unexpected line %r" % (path, line))
            if rtype not in MODEL or not below(owner, origin):
                continue
            v = value(rtype, rdata)
            rrset = sets.setdefault((owner, rtype), {})
            rrset[v] = min(int(ttl), rrset.get(v, int(ttl)))
            if rtype == "NS" and below(v, origin):
                targets.add(v)
    # Addresses count only for hosts that a delegation names.
    for key in [k for k in sets if k[1] in ("A", "AAAA")]:
        if key[0] not in targets:
            del sets[key]
    return sets


def changes(old, new):
    out = []
    kinds = {"NS": ("ns_add", "ns_rem"), "DS": ("ds_add", "ds_rem"),
             "A": ("glue_add", "glue_rem"), "AAAA": ("glue_add", "glue_rem")}
    for key in sorted(set(old) | set(new)):
        owner, rtype = key
        o, n = old.get(key, {}), new.get(key, {})
        if rtype == "NS" and not o:
            out.append(("delegation_add", owner, "NS", "", min(n.values()), ""))
        if rtype == "NS" and not n:
            out.append(("delegation_rem", owner, "NS", "", min(o.values()), ""))
        add, rem = kinds[rtype]
        for v in sorted(set(n) - set(o)):
            out.append((add, owner, rtype, v, n[v], ""))
        for v in sorted(set(o) - set(n)):
            out.append((rem, owner, rtype, v, o[v], ""))
        if o and n and min(o.values()) != min(n.values()):
            t = min(n.values())
            out.append(("ttl_change", owner, rtype, str(t), t,
                        str(min(o.values()))))
    return sorted(" ".join(str(x) for x in c) for c in out)


def model(sets):
    out = []
    for (owner, rtype), rrset in sets.items():
        out.extend("%s %s %s" % (owner, rtype, v) for v in rrset)
        out.append("%s %s ttl=%d" % (owner, rtype, min(rrset.values())))
    return sorted(out)


def main(argv):
    if argv[1:2] == ["--model"] and len(argv) == 4:
        origin = norm(argv[2]) if argv[2] != "." else ""
        for line in model(load(argv[3], origin)):
            print(line)
        return 0
    if argv[1:2] == ["--series"] and len(argv) >= 5:
        origin = norm(argv[2]) if argv[2] != "." else ""
        prev = None
        for i, path in enumerate(argv[4:]):
            cur = load(path, origin)
            with open("%s/model.%d" % (argv[3], i), "w") as f:
                f.writelines(line + "\n" for line in model(cur))
            if prev is not None:
                with open("%s/changes.%d" % (argv[3], i), "w") as f:
                    f.writelines(line + "\n" for line in changes(prev, cur))
            prev = cur
        return 0
    count = argv[1:2] == ["--count"]
    args = argv[2:] if count else argv[1:]
    if len(args) != 3:
        sys.stderr.write(__doc__)
        return 2
    origin = norm(args[0]) if args[0] != "." else ""
    lines = changes(load(args[1], origin), load(args[2], origin))
    if count:
        kinds = {}
        for line in lines:
            kinds[line.split()[0]] = kinds.get(line.split()[0], 0) + 1
        for k in sorted(kinds):
            print(k, kinds[k])
    else:
        for line in lines:
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
