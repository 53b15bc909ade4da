#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Independent oracle for the real-input ingest test.

It picks the real domain and host command frames of the shared corpus,
writes them into one fluxaudit envelope log (docs/epp-log-format.md), each
with a synthesized success response, and computes on its own what the
auditor must store for that log: the change events of every transaction
and the final state of every domain and host after applying the
transactions in order.

Nothing here comes from the C code. Names and addresses are normalized
with this file's own rules, the XML is read with ElementTree by namespace
URI, and the state is a replay with set semantics.

  corpus_oracle.py assemble CORPUS_DIR WORK_DIR
      writes WORK_DIR/corpus.log and the expectations WORK_DIR/expected.json,
      prints every corpus file it left out, with the reason
  corpus_oracle.py compare WORK_DIR ACTUAL_DIR
      compares what the shell test dumped from PostgreSQL into ACTUAL_DIR
      (events.jsonl, txns.jsonl, domains.jsonl, hosts.jsonl, rejects.jsonl)
      with the expectations; prints a readable diff; exit status 1 on any
      difference
  corpus_oracle.py compare-states WORK_DIR GROW_DIR
      the growing-log check: GROW_DIR/K/{domains,hosts}.jsonl were dumped
      after ingesting the log cut K (the cuts are in snapshots.txt, one
      after every SNAPSHOT_EVERY records)
  corpus_oracle.py compare-cli WORK_DIR CLI_DIR
      `fluxaudit events --domain/--host NAME --format json` output for the
      names in cli-queries.txt, saved as CLI_DIR/{domain,host}-NAME.jsonl
  corpus_oracle.py compare-raw WORK_DIR ACTUAL_DIR
      the database after ingesting the same transactions as raw RFC 5734
      captures (WORK_DIR/<clid>.rfc5734, listed in raw-files.txt)
  corpus_oracle.py compare-parse WORK_DIR PARSE_JSONL
      the same for the events of `fluxaudit parse epp` (no database), so a
      difference can be told to be the reader's or the store's

Python 3 standard library only.
"""

import collections
import datetime
import ipaddress
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

# Namespace URIs, matched exactly (never by prefix). The .ee registry
# serves its own schema URIs for the EPP envelope and the domain mapping.
EPP_URIS = {
    'urn:ietf:params:xml:ns:epp-1.0',
    'https://epp.tld.ee/schema/epp-ee-1.0.xsd',
}
DOMAIN_URIS = {
    'urn:ietf:params:xml:ns:domain-1.0',
    'https://epp.tld.ee/schema/domain-eis-1.0.xsd',
}
HOST_URIS = {'urn:ietf:params:xml:ns:host-1.0'}
SECDNS_URIS = {
    'urn:ietf:params:xml:ns:secDNS-1.0',
    'urn:ietf:params:xml:ns:secDNS-1.1',
}
TTL_URI = 'urn:ietf:params:xml:ns:epp:ttl-1.0'

# Registrar (clID) written in the envelope, per corpus source.
CLID = {'nomulus': 'corpus-nomulus', 'ee': 'corpus-ee'}

# First record time; records follow one minute apart. It sits just before
# a month boundary so that the events span two monthly partitions.
START = datetime.datetime(2026, 10, 31, 20, 0, 0,
                          tzinfo=datetime.timezone.utc)

# The growing-log check ingests the log cut after every this many records
# and compares the state at each cut; 8 records are ~8 KiB, more than the
# 4096 bytes that give a log its identity, so the file keeps it as it grows.
SNAPSHOT_EVERY = 8

NOMULUS_ROOT = 'nomulus/core/src/test/resources/google/registry'
EE_ROOT = 'internetee-registry-ee'

SELECTED_OPS = ('create', 'update', 'delete', 'check', 'info', 'renew')

# Status values of RFC 5731 section 2.3 and RFC 5732 section 2.3.
DOMAIN_STATUSES = {
    'clientDeleteProhibited', 'clientHold', 'clientRenewProhibited',
    'clientTransferProhibited', 'clientUpdateProhibited', 'inactive', 'ok',
    'pendingCreate', 'pendingDelete', 'pendingRenew', 'pendingTransfer',
    'pendingUpdate', 'serverDeleteProhibited', 'serverHold',
    'serverRenewProhibited', 'serverTransferProhibited',
    'serverUpdateProhibited',
}
HOST_STATUSES = {
    'clientDeleteProhibited', 'clientUpdateProhibited', 'linked', 'ok',
    'pendingCreate', 'pendingDelete', 'pendingTransfer', 'pendingUpdate',
    'serverDeleteProhibited', 'serverUpdateProhibited',
}

TEMPLATE_RE = re.compile(rb'%[A-Za-z][A-Za-z0-9_-]*%')
LABEL_RE = re.compile(r'^[a-z0-9]([a-z0-9-]*[a-z0-9])?$')


class Excluded(Exception):
    """A frame that the test does not use, with the reason."""


def local(tag):
    return tag.rsplit('}', 1)[-1]


def uri(tag):
    return tag[1:].split('}', 1)[0] if tag.startswith('{') else ''


def kids(el, uris, name):
    """Child elements with a local name in one of the namespace URIs."""
    return [c for c in el if local(c.tag) == name and uri(c.tag) in uris]


def kid(el, uris, name):
    found = kids(el, uris, name)
    return found[0] if found else None


def text(el):
    return (el.text or '').strip() if el is not None else ''


# ---------------------------------------------------------------------------
# Names and addresses, by this file's own rules

def norm_name(raw, what):
    """Lower-case, no trailing dot, LDH labels of 1-63 octets, <= 253."""
    name = raw.strip()
    if name.endswith('.'):
        name = name[:-1]
    if not name:
        raise Excluded('invalid %s name "%s": empty' % (what, raw))
    if any(ord(ch) > 127 for ch in name):
        raise Excluded('invalid %s name "%s": non-ASCII (U-label); EPP '
                       'carries A-labels' % (what, raw))
    name = name.lower()
    if len(name) > 253:
        raise Excluded('invalid %s name "%s": %d octets, more than 253'
                       % (what, raw, len(name)))
    for label in name.split('.'):
        if not 1 <= len(label) <= 63:
            raise Excluded('invalid %s name "%s": label of %d octets'
                           % (what, raw, len(label)))
        if not LABEL_RE.match(label):
            raise Excluded('invalid %s name "%s": label "%s" is not '
                           'letters, digits and inner hyphens'
                           % (what, raw, label))
    if '.' not in name:
        raise Excluded('invalid %s name "%s": a single label' % (what, raw))
    return name


def norm_addr(raw, family):
    """Dotted quad or RFC 5952 text; family is "v4" or "v6"."""
    s = raw.strip()
    try:
        if family == 'v4':
            return str(ipaddress.IPv4Address(s))
        if family == 'v6':
            a = ipaddress.IPv6Address(s)
            if a.scope_id is not None:
                raise ValueError('zone index')
            if a.ipv4_mapped is not None:
                # RFC 5952 section 5: mixed notation for mapped addresses
                return '::ffff:' + str(a.ipv4_mapped)
            return a.compressed
    except ValueError:
        pass
    raise Excluded('invalid address "%s" for ip="%s"' % (raw, family))


def status(el, allowed):
    s = el.get('s', '')
    if s not in allowed:
        raise Excluded('invalid status "%s": not a status value of RFC 5731 '
                       'or 5732' % s)
    return s


def addr_family(el):
    fam = el.get('ip', 'v4')  # RFC 5731/5732: the default is v4
    if fam not in ('v4', 'v6'):
        raise Excluded('invalid ip attribute "%s"' % fam)
    return fam


# ---------------------------------------------------------------------------
# Reading one command frame into what it says

def read_ns(ns_el):
    """hostObj and hostAttr forms: list of (host, [addresses])."""
    out = []
    if ns_el is None:
        return out
    for c in ns_el:
        if uri(c.tag) not in DOMAIN_URIS:
            continue
        if local(c.tag) == 'hostObj':
            out.append((norm_name(text(c), 'host'), []))
        elif local(c.tag) == 'hostAttr':
            hn = norm_name(text(kid(c, DOMAIN_URIS, 'hostName')), 'host')
            addrs = [norm_addr(text(a), addr_family(a))
                     for a in kids(c, DOMAIN_URIS, 'hostAddr')]
            out.append((hn, addrs))
    return out


def uniq(seq):
    seen, out = set(), []
    for x in seq:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


def read_ds(parent):
    """secDNS dsData items as "keytag alg digesttype digest"."""
    out = []
    for ds in kids(parent, SECDNS_URIS, 'dsData'):
        parts = [text(kid(ds, SECDNS_URIS, n))
                 for n in ('keyTag', 'alg', 'digestType', 'digest')]
        nums = []
        for v, top in zip(parts[:3], (65535, 255, 255)):
            if not v.isdigit() or int(v) > top:
                raise Excluded('invalid DS record: "%s" out of range' % v)
            nums.append(str(int(v)))
        digest = parts[3].upper()
        if not digest or len(digest) % 2 or \
                any(ch not in '0123456789ABCDEF' for ch in digest):
            raise Excluded('invalid DS record: digest "%s" is not hex '
                           'octets' % parts[3])
        out.append(' '.join(nums + [digest]))
    return out


def read_ttls(ext):
    out = []
    if ext is None:
        return out
    for t in ext.iter('{%s}ttl' % TTL_URI):
        out.append('%s %s' % (t.get('for', ''), text(t)))
    return out


def domain_intent(op, obj, ext):
    it = {'type': 'domain', 'op': op}
    if op == 'check':
        it['names'] = [norm_name(text(n), 'domain')
                       for n in kids(obj, DOMAIN_URIS, 'name')]
        return it
    it['name'] = norm_name(text(kid(obj, DOMAIN_URIS, 'name')), 'domain')
    it['raw_name'] = text(kid(obj, DOMAIN_URIS, 'name'))
    secdns = None
    if ext is not None:
        for c in ext:
            if uri(c.tag) in SECDNS_URIS:
                secdns = c
    if op == 'create':
        ns = read_ns(kid(obj, DOMAIN_URIS, "ns"))
        it['ns'] = uniq(h for h, _ in ns)
        it['glue'] = [(h, a) for h, addrs in ns for a in addrs]
        reg = kid(obj, DOMAIN_URIS, 'registrant')
        it['registrant'] = text(reg) if reg is not None and text(reg) else None
        it['contacts'] = uniq((text(c), c.get('type', ''))
                              for c in kids(obj, DOMAIN_URIS, 'contact'))
        it['ds_add'] = uniq(read_ds(secdns)) if secdns is not None else []
        it['ttls'] = read_ttls(ext)
    elif op == 'update':
        for side in ('add', 'rem'):
            el = kid(obj, DOMAIN_URIS, side)
            ns = read_ns(kid(el, DOMAIN_URIS, "ns")) \
                if el is not None else []
            it['ns_' + side] = uniq(h for h, _ in ns)
            it['glue_' + side] = [(h, a) for h, addrs in ns for a in addrs]
            it['st_' + side] = uniq(status(s, DOMAIN_STATUSES) for s in
                                    kids(el, DOMAIN_URIS, 'status')) \
                if el is not None else []
            it['ct_' + side] = uniq((text(c), c.get('type', ''))
                                    for c in kids(el, DOMAIN_URIS, 'contact')) \
                if el is not None else []
        chg = kid(obj, DOMAIN_URIS, 'chg')
        reg = kid(chg, DOMAIN_URIS, 'registrant') if chg is not None else None
        it['registrant_chg'] = reg is not None
        it['registrant'] = text(reg) or None if reg is not None else None
        it['authinfo_chg'] = (chg is not None and
                              kid(chg, DOMAIN_URIS, 'authInfo') is not None)
        it['ds_rem_all'] = False
        it['ds_add'], it['ds_rem'] = [], []
        if secdns is not None:
            rem = kid(secdns, SECDNS_URIS, 'rem')
            add = kid(secdns, SECDNS_URIS, 'add')
            if rem is not None:
                all_el = kid(rem, SECDNS_URIS, 'all')
                it['ds_rem_all'] = (all_el is not None and
                                    text(all_el) in ('true', '1'))
                it['ds_rem'] = uniq(read_ds(rem))
            if add is not None:
                it['ds_add'] = uniq(read_ds(add))
        it['ttls'] = read_ttls(ext)
        for a, b, what in (('ns_add', 'ns_rem', 'name server'),
                           ('st_add', 'st_rem', 'status'),
                           ('ds_add', 'ds_rem', 'DS record')):
            both = set(it[a]) & set(it[b])
            if both:
                raise Excluded('contradictory update: adds and removes the '
                               'same %s %s; RFC 5731 leaves the outcome open '
                               'and servers refuse it'
                               % (what, ', '.join(sorted(both))))
    return it


def host_intent(op, obj):
    it = {'type': 'host', 'op': op}
    if op == 'check':
        it['names'] = [norm_name(text(n), 'host')
                       for n in kids(obj, HOST_URIS, 'name')]
        return it
    it['name'] = norm_name(text(kid(obj, HOST_URIS, 'name')), 'host')
    it['raw_name'] = text(kid(obj, HOST_URIS, 'name'))
    if op == 'create':
        it['addrs'] = uniq(norm_addr(text(a), addr_family(a))
                           for a in kids(obj, HOST_URIS, 'addr'))
    elif op == 'update':
        for side in ('add', 'rem'):
            el = kid(obj, HOST_URIS, side)
            if el is None:
                it['addr_' + side], it['st_' + side] = [], []
                continue
            it['addr_' + side] = uniq(norm_addr(text(a), addr_family(a))
                                      for a in kids(el, HOST_URIS, 'addr'))
            it['st_' + side] = uniq(status(s, HOST_STATUSES)
                                    for s in kids(el, HOST_URIS, 'status'))
        chg = kid(obj, HOST_URIS, 'chg')
        new = kid(chg, HOST_URIS, 'name') if chg is not None else None
        it['new_name'] = norm_name(text(new), 'host') if new is not None \
            else None
        if it['new_name'] == it['name']:
            it['new_name'] = None
        for a, b, what in (('addr_add', 'addr_rem', 'address'),
                           ('st_add', 'st_rem', 'status')):
            both = set(it[a]) & set(it[b])
            if both:
                raise Excluded('contradictory update: adds and removes the '
                               'same %s %s' % (what, ', '.join(sorted(both))))
    return it


def read_frame(data):
    """What a command frame says, or Excluded with the reason."""
    if b'<!DOCTYPE' in data or b'<!ENTITY' in data:
        raise Excluded('hostile: carries a DOCTYPE/entity declarations '
                       '(never handed to a parser here)')
    toks = sorted(set(m.decode() for m in TEMPLATE_RE.findall(data)))
    if toks:
        raise Excluded('template: placeholders %s' % ' '.join(toks))
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        raise Excluded('not well-formed XML: %s' % e)
    if local(root.tag) != 'epp' or uri(root.tag) not in EPP_URIS:
        raise Excluded('root element is not EPP: "%s" in namespace "%s" '
                       '(the .ee sample requests use short placeholders that '
                       'the registry replaces before use)'
                       % (local(root.tag), uri(root.tag)))
    eppns = uri(root.tag)
    cmd = kid(root, {eppns}, 'command')
    if cmd is None:
        what = [local(c.tag) for c in root]
        raise Excluded('not a command frame (%s)' % ','.join(what))
    ops = [c for c in cmd if uri(c.tag) == eppns and
           local(c.tag) not in ('extension', 'clTRID')]
    if len(ops) != 1:
        raise Excluded('command element has %d operations' % len(ops))
    op = local(ops[0].tag)
    if op not in SELECTED_OPS:
        raise Excluded('out of scope: %s (only create, update, delete, '
                       'check, info, renew of domains and hosts are '
                       'replayed)' % op)
    objs = list(ops[0])
    if not objs:
        raise Excluded('%s without an object' % op)
    obj = objs[0]
    ext = kid(cmd, {eppns}, 'extension')
    cltrid = text(kid(cmd, {eppns}, 'clTRID')) or None
    if uri(obj.tag) in DOMAIN_URIS:
        objtype = 'domain'
    elif uri(obj.tag) in HOST_URIS:
        objtype = 'host'
    else:
        raise Excluded('out of scope: %s of an object in namespace "%s" '
                       '(only domains and hosts are replayed)'
                       % (op, uri(obj.tag)))
    if local(obj.tag) != op:
        raise Excluded('malformed: <%s> holds <%s>' % (op, local(obj.tag)))
    if objtype == 'host' and op == 'renew':
        raise Excluded('host renew does not exist')
    if objtype == 'domain':
        it = domain_intent(op, obj, ext)
    else:
        it = host_intent(op, obj)
    it['eppns'] = eppns
    it['objns'] = uri(obj.tag)
    it['cltrid'] = cltrid
    return it


# ---------------------------------------------------------------------------
# Which files, in which order

def candidate_files(corpus):
    """(source, relative path) of every file looked at, in a fixed order."""
    out = []
    nroot = os.path.join(corpus, NOMULUS_ROOT)
    for sub in ('flows', 'tools/server'):
        base = os.path.join(nroot, sub)
        for dirpath, _, files in sorted(os.walk(base)):
            for f in sorted(files):
                if not f.endswith('.xml'):
                    continue
                if sub == 'flows' and not re.match(
                        r'(domain|host)_(create|update|delete|check|info|'
                        r'renew)', f):
                    continue
                if sub == 'tools/server' and not re.match(
                        r'(domain|host)_|uniform_rapid_suspension|'
                        r'update_server_locks', f):
                    continue
                out.append(('nomulus', os.path.relpath(
                    os.path.join(dirpath, f), corpus)))
    fdir = os.path.join(corpus, EE_ROOT, 'frames_from_epp_examples_md')
    for f in sorted(os.listdir(fdir)):
        if f.endswith('_request.xml'):
            out.append(('ee', os.path.join(EE_ROOT,
                                           'frames_from_epp_examples_md', f)))
    sdir = os.path.join(corpus, EE_ROOT, 'app/views/epp/sample_requests')
    for dirpath, _, files in sorted(os.walk(sdir)):
        for f in sorted(files):
            if f.endswith('.xml'):
                out.append(('ee', os.path.relpath(os.path.join(dirpath, f),
                                                  corpus)))
    return out


def order(items):
    """A deterministic sequence with plausible object life cycles.

    Hosts are created before the domains that may use them. Each domain
    create is followed by one delete of the same name when that name is
    created again later, so a name goes create, delete, create again.
    Checks and infos come next, then domain updates, renews, host updates
    (with renames), the remaining deletes. Within a group: corpus order.
    """
    groups = collections.defaultdict(list)
    for x in items:
        groups[(x['it']['type'], x['it']['op'])].append(x)
    seq = list(groups[('host', 'create')])
    dcreates = groups[('domain', 'create')]
    ddeletes = list(groups[('domain', 'delete')])
    for i, c in enumerate(dcreates):
        seq.append(c)
        name = c['it']['name']
        later = any(d['it']['name'] == name for d in dcreates[i + 1:])
        if not later:
            continue
        for d in ddeletes:
            if d['it']['name'] == name:
                seq.append(d)
                ddeletes.remove(d)
                break
    for key in (('domain', 'check'), ('domain', 'info'), ('host', 'check'),
                ('host', 'info'), ('domain', 'update'), ('domain', 'renew'),
                ('host', 'update')):
        seq.extend(groups[key])
    seq.extend(ddeletes)
    seq.extend(groups[('host', 'delete')])
    return seq


# ---------------------------------------------------------------------------
# Responses

def rfc3339(t):
    return t.strftime('%Y-%m-%dT%H:%M:%SZ')


def response(x, svtrid, when):
    it = x['it']
    res = ''
    if it['op'] == 'create':
        tag = it['type']
        res = ('    <resData>\n'
               '      <%s:creData xmlns:%s="%s">\n'
               '        <%s:name>%s</%s:name>\n'
               '        <%s:crDate>%s</%s:crDate>\n'
               '      </%s:creData>\n'
               '    </resData>\n'
               % (tag, tag, it['objns'], tag, xml_escape(it['raw_name']), tag,
                  tag, rfc3339(when), tag, tag))
    cl = ''
    if it['cltrid'] is not None:
        cl = '<clTRID>%s</clTRID>' % xml_escape(it['cltrid'])
    doc = ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
           '<epp xmlns="%s">\n'
           '  <response>\n'
           '    <result code="1000">\n'
           '      <msg>Command completed successfully</msg>\n'
           '    </result>\n'
           '%s'
           '    <trID>%s<svTRID>%s</svTRID></trID>\n'
           '  </response>\n'
           '</epp>\n' % (it['eppns'], res, cl, svtrid))
    return doc.encode('utf-8')


def xml_escape(s):
    return (s.replace('&', '&amp;').replace('<', '&lt;')
            .replace('>', '&gt;'))


def frame5734(data):
    """RFC 5734 section 4: a 32-bit total length, then the frame."""
    return (len(data) + 4).to_bytes(4, 'big') + data


def session_frames(eppns, clid):
    """Greeting, login with its response, and logout with its response,
    for one session of a registrar."""
    objs = ''.join('<objURI>%s</objURI>' % u for u in sorted(
        DOMAIN_URIS | HOST_URIS))
    greeting = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<epp xmlns="%s"><greeting><svID>corpus</svID>'
                '<svDate>2026-11-02T00:00:00Z</svDate><svcMenu>'
                '<version>1.0</version><lang>en</lang>%s</svcMenu><dcp>'
                '<access><all/></access><statement><purpose><admin/>'
                '</purpose><recipient><ours/></recipient><retention>'
                '<stated/></retention></statement></dcp></greeting></epp>\n'
                % (eppns, objs))
    login = ('<?xml version="1.0" encoding="UTF-8"?>\n'
             '<epp xmlns="%s"><command><login><clID>%s</clID>'
             '<pw>corpus-pw</pw><options><version>1.0</version>'
             '<lang>en</lang></options><svcs>%s</svcs></login>'
             '<clTRID>%s-login</clTRID></command></epp>\n'
             % (eppns, clid, objs, clid))
    logout = ('<?xml version="1.0" encoding="UTF-8"?>\n'
              '<epp xmlns="%s"><command><logout/>'
              '<clTRID>%s-logout</clTRID></command></epp>\n' % (eppns, clid))

    def result(code, msg, what):
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<epp xmlns="%s"><response><result code="%d"><msg>%s</msg>'
                '</result><trID><clTRID>%s-%s</clTRID>'
                '<svTRID>%s-%s</svTRID></trID></response></epp>\n'
                % (eppns, code, msg, clid, what, clid, what))
    return ([greeting.encode(), login.encode(),
             result(1000, 'Command completed successfully', 'login').encode()],
            [logout.encode(),
             result(1500, 'Command completed successfully; ending session',
                    'logout').encode()])


def captures(work, sent):
    """Write the same transactions as raw RFC 5734 captures, one session
    per registrar, and return what ingesting them (in CLID order, one after
    the other) must store. Such captures carry no times, so the test gives
    one with --time; the state replays the transactions in capture order."""
    out = {'files': [], 'records': [], 'events': []}
    state = {'domains': {}, 'hosts': {}, 'notes': []}
    for source in sorted(CLID):
        clid = CLID[source]
        mine = [t for t in sent if t[3] == clid]
        if not mine:
            continue
        eppns = mine[0][0]['it']['eppns']
        head, tail = session_frames(eppns, clid)
        path = os.path.join(work, '%s.rfc5734' % clid)
        with open(path, 'wb') as f:
            for fr in head:
                f.write(frame5734(fr))
            for x, cmd, rsp, _, when in mine:
                f.write(frame5734(cmd))
                f.write(frame5734(rsp))
                apply(state, x['it'], clid, when)
            for fr in tail:
                f.write(frame5734(fr))
        out['files'].append(path)
        out['records'].append({'registrar': clid, 'command': 'login',
                               'result_code': 1000,
                               'key': 'sv:%s:%s-login' % (clid, clid)})
        out['events'].append(ev('login'))
        out['events'][-1]['registrar'] = clid
        for x, cmd, rsp, _, when in mine:
            it = x['it']
            evs = events_of(it)
            svtrid = re.search(rb'<svTRID>([^<]*)</svTRID>', rsp).group(1)
            out['records'].append({
                'registrar': clid, 'command': '%s:%s' % (it['type'], it['op']),
                'result_code': 1000,
                'key': 'sv:%s:%s' % (clid, svtrid.decode()),
                'stored': stored(it, evs)})
            for e in evs:
                e['registrar'] = clid
                out['events'].append(e)
        out['records'].append({'registrar': clid, 'command': 'logout',
                               'result_code': 1500,
                               'key': 'sv:%s:%s-logout' % (clid, clid)})
        out['events'].append(ev('logout'))
        out['events'][-1]['registrar'] = clid
    out['domains'], out['hosts'] = state_rows(state)
    with open(os.path.join(work, 'raw-files.txt'), 'w') as f:
        for path in out['files']:
            f.write(path + '\n')
    return out


# ---------------------------------------------------------------------------
# Expected events and state

def ev(kind, domain=None, host=None, contact=None, value=None):
    return {'kind': kind, 'domain': domain, 'host': host, 'contact': contact,
            'value': value}


def stored(it, evs):
    """docs/store.md: a successful query (check, or info without object
    data in its response) yields no event and is not stored in txns."""
    return bool(evs) or it['op'] not in ('check', 'info')


def in_txns(records):
    return [r for r in records if r.get('stored', True)]


def events_of(it):
    """The change events a transaction's frames say, one per change."""
    out = []
    t, op = it['type'], it['op']
    if t == 'domain':
        d = it.get('name')
        if op == 'create':
            out.append(ev('domain.create', d, contact=it['registrant']))
            out += [ev('domain.ns_add', d, host=h) for h in it['ns']]
            # hostAttr glue: an address of that name server, seen through
            # this domain
            out += [ev('host.addr_add', d, host=h, value=a)
                    for h, a in uniq(it['glue'])]
            out += [ev('domain.contact_add', d, contact=c, value=ty)
                    for c, ty in it['contacts']]
            out += [ev('domain.ds_add', d, value=v) for v in it['ds_add']]
            out += [ev('domain.ttl_set', d, value=v) for v in it['ttls']]
        elif op == 'update':
            out += [ev('domain.ns_add', d, host=h) for h in it['ns_add']]
            out += [ev('host.addr_add', d, host=h, value=a)
                    for h, a in uniq(it['glue_add'])]
            out += [ev('domain.ns_rem', d, host=h) for h in it['ns_rem']]
            out += [ev('domain.status_add', d, value=s) for s in it['st_add']]
            out += [ev('domain.status_rem', d, value=s) for s in it['st_rem']]
            out += [ev('domain.contact_add', d, contact=c, value=ty)
                    for c, ty in it['ct_add']]
            out += [ev('domain.contact_rem', d, contact=c, value=ty)
                    for c, ty in it['ct_rem']]
            if it['registrant_chg']:
                out.append(ev('domain.registrant_change', d,
                              contact=it['registrant']))
            if it['authinfo_chg']:
                out.append(ev('domain.authinfo_change', d))
            if it['ds_rem_all']:
                out.append(ev('domain.ds_rem', d, value='*'))
            out += [ev('domain.ds_rem', d, value=v) for v in it['ds_rem']]
            out += [ev('domain.ds_add', d, value=v) for v in it['ds_add']]
            out += [ev('domain.ttl_set', d, value=v) for v in it['ttls']]
        elif op == 'delete':
            out.append(ev('domain.delete', d))
        elif op == 'renew':
            out.append(ev('domain.renew', d))
    else:
        h = it.get('name')
        if op == 'create':
            out.append(ev('host.create', host=h))
            out += [ev('host.addr_add', host=h, value=a) for a in it['addrs']]
        elif op == 'update':
            out += [ev('host.addr_add', host=h, value=a)
                    for a in it['addr_add']]
            out += [ev('host.addr_rem', host=h, value=a)
                    for a in it['addr_rem']]
            out += [ev('host.status_add', host=h, value=s)
                    for s in it['st_add']]
            out += [ev('host.status_rem', host=h, value=s)
                    for s in it['st_rem']]
            if it['new_name']:
                out.append(ev('host.rename', host=h, value=it['new_name']))
        elif op == 'delete':
            out.append(ev('host.delete', host=h))
    return out


def new_domain(registrar, when):
    return {'registrar': registrar, 'registrant': None, 'created': None,
            'ns': set(), 'statuses': set(), 'ds': set(), 'deleted': False,
            'updated': when}


def new_host(registrar, when, doms, name):
    return {'registrar': registrar, 'addrs': set(), 'statuses': set(),
            'deleted': False, 'updated': when,
            'superordinate': superordinate(doms, name)}


def superordinate(doms, name):
    """The in-zone parent as docs/store.md defines it: the longest live
    domain the host name ends with, label by label, the name itself
    included; else the name without its first label. Fixed when the host
    row starts, or moves by a rename."""
    labels = name.split('.')
    for i in range(len(labels)):
        d = doms.get('.'.join(labels[i:]))
        if d is not None and not d['deleted']:
            return '.'.join(labels[i:])
    return '.'.join(labels[1:]) or None


def add_glue(doms, hosts, glue, clid, when):
    """hostAttr addresses are addresses of that host name, whichever
    domain carried them. Removing a hostAttr says nothing about them."""
    for hname, addr in glue:
        h = hosts.get(hname)
        if h is None:
            h = hosts[hname] = new_host(clid, when, doms, hname)
        h['addrs'].add(addr)
        h['updated'] = when


def apply(state, it, clid, when):
    """Replay one successful transaction on the state."""
    doms, hosts = state['domains'], state['hosts']
    t, op = it['type'], it['op']
    if op in ('check', 'info'):
        return
    if t == 'domain':
        name = it['name']
        if op == 'create':
            d = new_domain(clid, when)
            d['created'] = rfc3339(when)
            d['registrant'] = it['registrant']
            d['ns'] = set(it['ns'])
            d['ds'] = set(it['ds_add'])
            doms[name] = d
            add_glue(doms, hosts, it['glue'], clid, when)
            return
        d = doms.get(name)
        if d is None or (d['deleted'] and op != 'delete'):
            # The auditor meets a domain mid-life (or missed its new
            # create): what this command says is all it knows.
            d = doms[name] = new_domain(clid, when)
        d['updated'] = when
        if op == 'delete':
            d['deleted'] = True
            return
        if op == 'renew':
            return
        d['ns'] = (d['ns'] - set(it['ns_rem'])) | set(it['ns_add'])
        add_glue(doms, hosts, it['glue_add'], clid, when)
        d['statuses'] = ((d['statuses'] - set(it['st_rem'])) |
                         set(it['st_add']))
        if it['registrant_chg']:
            d['registrant'] = it['registrant']
        if it['ds_rem_all']:
            d['ds'] = set()
        d['ds'] = (d['ds'] - set(it['ds_rem'])) | set(it['ds_add'])
        return
    name = it['name']
    if op == 'create':
        h = new_host(clid, when, doms, name)
        h['addrs'] = set(it['addrs'])
        hosts[name] = h
        return
    h = hosts.get(name)
    if h is None or (h['deleted'] and op != 'delete'):
        h = hosts[name] = new_host(clid, when, doms, name)
    h['updated'] = when
    if op == 'delete':
        h['deleted'] = True
        return
    h['addrs'] = (h['addrs'] - set(it['addr_rem'])) | set(it['addr_add'])
    h['statuses'] = (h['statuses'] - set(it['st_rem'])) | set(it['st_add'])
    if it['new_name']:
        # The host object keeps its data under the new name; the old name
        # no longer names anything, so it has no row. Domains delegated to
        # the host by reference (hostObj) now name it by its new name.
        hosts[it['new_name']] = h
        del hosts[name]
        h['superordinate'] = superordinate(doms, it['new_name'])
        for dname, d in sorted(doms.items()):
            if name in d['ns']:
                d['ns'] = (d['ns'] - {name}) | {it['new_name']}
                state['notes'].append('rename of host %s changes the NS set '
                                      'of domain %s' % (name, dname))


def conflict(state, it):
    """Why a successful response to this command would be impossible in
    the sequence so far, or None. Only used for what has no sensible
    replay: renaming a host onto a live host's name."""
    if it['type'] == 'host' and it['op'] == 'update' and it['new_name']:
        h = state['hosts'].get(it['new_name'])
        if h is not None and not h['deleted']:
            return ('rename of host %s onto the live host %s at this point '
                    'of the sequence (a server answers 2302 object exists)'
                    % (it['name'], it['new_name']))
    return None


def state_rows(state):
    doms = []
    for name in sorted(state['domains']):
        d = state['domains'][name]
        doms.append({'name': name, 'registrar': d['registrar'],
                     'registrant': d['registrant'], 'created': d['created'],
                     'ns': sorted(d['ns']), 'statuses': sorted(d['statuses']),
                     'ds': sorted(d['ds']), 'deleted': d['deleted']})
    hosts = []
    for name in sorted(state['hosts']):
        h = state['hosts'][name]
        hosts.append({'name': name, 'registrar': h['registrar'],
                      'superordinate': h['superordinate'],
                      'addrs': sorted(h['addrs']),
                      'statuses': sorted(h['statuses']),
                      'deleted': h['deleted']})
    return doms, hosts


# ---------------------------------------------------------------------------
# assemble

def assemble(corpus, work):
    used, excluded = [], []
    for source, rel in candidate_files(corpus):
        with open(os.path.join(corpus, rel), 'rb') as f:
            data = f.read()
        try:
            it = read_frame(data)
        except Excluded as e:
            excluded.append((rel, str(e)))
            continue
        used.append({'source': source, 'path': rel, 'data': data, 'it': it})

    seq = order(used)
    state = {'domains': {}, 'hosts': {}, 'notes': []}
    log_path = os.path.join(work, 'corpus.log')
    records, events, snapshots, sent = [], [], [], []
    with open(log_path, 'wb') as out:
        out.write(b'#fluxaudit-epp-log v1\n')
        out.write(b'# assembled by tests/system/corpus_oracle.py from the '
                  b'shared corpus\n')
        i = 0
        for x in seq:
            why = conflict(state, x['it'])
            if why is not None:
                excluded.append((x['path'], why))
                continue
            when = START + datetime.timedelta(minutes=i)
            i += 1
            clid = CLID[x['source']]
            svtrid = 'corpus-%05d' % i
            rsp = response(x, svtrid, when)
            cmd = x['data']
            offset = out.tell()
            out.write(b'EPPTX time=%s clid=%s cmd=%d rsp=%d\n'
                      % (rfc3339(when).encode(), clid.encode(), len(cmd),
                         len(rsp)))
            out.write(cmd)
            out.write(rsp)
            out.write(b'\n')
            it = x['it']
            evs = events_of(it)
            command = '%s:%s' % (it['type'], it['op'])
            records.append({'offset': offset, 'time': rfc3339(when),
                            'registrar': clid, 'command': command,
                            'result_code': 1000,
                            'key': 'sv:%s:%s' % (clid, svtrid),
                            'path': x['path'], 'stored': stored(it, evs)})
            for e in evs:
                e['offset'] = offset
                e['time'] = rfc3339(when)
                e['registrar'] = clid
                events.append(e)
            apply(state, it, clid, when)
            sent.append((x, cmd, rsp, clid, when))
            if i % SNAPSHOT_EVERY == 0:
                doms, hosts = state_rows(state)
                snapshots.append({'end': out.tell(), 'records': i,
                                  'domains': doms, 'hosts': hosts})

    doms, hosts = state_rows(state)
    if not snapshots or snapshots[-1]['records'] != len(records):
        snapshots.append({'end': os.path.getsize(log_path),
                          'records': len(records), 'domains': doms,
                          'hosts': hosts})
    expected = {'records': records, 'events': events, 'domains': doms,
                'hosts': hosts, 'rejects': [], 'snapshots': snapshots,
                'raw': captures(work, sent)}
    # The names whose history the test also reads back through
    # `fluxaudit events`: the busiest domains and every host.
    busy = collections.Counter(e['domain'] for e in events if e['domain'])
    with open(os.path.join(work, 'cli-queries.txt'), 'w') as f:
        for name, _ in sorted(busy.items(), key=lambda kv: (-kv[1], kv[0]))[:8]:
            f.write('domain %s\n' % name)
        for name in sorted(set(e['host'] for e in events if e['host'])):
            if any(e['host'] == name and e['kind'].startswith('host.')
                   for e in events):
                f.write('host %s\n' % name)
    with open(os.path.join(work, 'snapshots.txt'), 'w') as f:
        for k, snap in enumerate(snapshots):
            f.write('%d %d %d\n' % (k, snap['end'], snap['records']))
    with open(os.path.join(work, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1, sort_keys=True)

    for note in state['notes']:
        print('note: %s' % note)
    reasons = collections.Counter()
    for rel, why in excluded:
        print('excluded: %s: %s' % (rel, why))
        reasons[re.sub(r'[:(].*', '', why).strip()] += 1
    print('excluded %d files:' % len(excluded))
    for why, n in sorted(reasons.items()):
        print('  %4d %s' % (n, why))
    per = collections.Counter(r['command'] for r in records)
    print('assembled %d transactions into %s (%s)'
          % (len(records), log_path,
             ', '.join('%s %d' % kv for kv in sorted(per.items()))))
    print('expected %d events, %d domains (%d deleted), %d hosts (%d deleted)'
          % (len(events), len(doms), sum(d['deleted'] for d in doms),
             len(hosts), sum(h['deleted'] for h in hosts)))
    return 0


# ---------------------------------------------------------------------------
# compare

def load_jsonl(path):
    rows = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    return rows


def canon(row, keys):
    return json.dumps([row.get(k) for k in keys], ensure_ascii=False)


def multiset_diff(title, expected, actual, keys, describe=None, limit=200,
                  quiet=False):
    """Print what is missing and what is unexpected; return the count."""
    e = collections.Counter(canon(r, keys) for r in expected)
    a = collections.Counter(canon(r, keys) for r in actual)
    missing = e - a
    extra = a - e
    if not missing and not extra:
        if not quiet:
            print('ok: %s: %d rows match exactly' % (title, len(expected)))
        return 0
    print('MISMATCH: %s: expected %d rows, got %d; %d missing, %d unexpected'
          % (title, len(expected), len(actual), sum(missing.values()),
             sum(extra.values())))
    print('  columns: %s' % ', '.join(keys))
    shown = 0
    for label, diff in (('missing   ', missing), ('unexpected', extra)):
        for row, n in sorted(diff.items()):
            if shown >= limit:
                break
            note = describe(json.loads(row)) if describe else ''
            print('  %s %s%s%s' % (label, row, ' x%d' % n if n > 1 else '',
                                   note))
            shown += 1
    if shown >= limit:
        print('  ... (first %d differences shown)' % limit)
    return sum(missing.values()) + sum(extra.values())


def compare(work, actual_dir):
    with open(os.path.join(work, 'expected.json'), encoding='utf-8') as f:
        exp = json.load(f)
    by_offset = {r['offset']: r for r in exp['records']}

    def where(row):
        r = by_offset.get(row[0])
        return '   <- %s %s' % (r['command'], r['path']) if r else ''

    bad = 0
    bad += multiset_diff(
        'transactions', in_txns(exp['records']),
        load_jsonl(os.path.join(actual_dir, 'txns.jsonl')),
        ['offset', 'key', 'time', 'registrar', 'command', 'result_code'])
    events = load_jsonl(os.path.join(actual_dir, 'events.jsonl'))
    bad += multiset_diff(
        'events (kind, domain, host, contact, value)', exp['events'], events,
        ['kind', 'domain', 'host', 'contact', 'value'])
    bad += multiset_diff(
        'events at their records (byte offset of the record first)',
        exp['events'], events,
        ['offset', 'time', 'registrar', 'kind', 'domain', 'host', 'contact',
         'value'], describe=where)
    bad += multiset_diff(
        'domains', exp['domains'],
        load_jsonl(os.path.join(actual_dir, 'domains.jsonl')),
        ['name', 'deleted', 'registrar', 'registrant', 'created', 'ns',
         'statuses', 'ds'])
    bad += multiset_diff(
        'hosts', exp['hosts'],
        load_jsonl(os.path.join(actual_dir, 'hosts.jsonl')),
        ['name', 'deleted', 'registrar', 'superordinate', 'addrs',
         'statuses'])
    bad += multiset_diff(
        'rejects', exp['rejects'],
        load_jsonl(os.path.join(actual_dir, 'rejects.jsonl')),
        ['offset', 'reason'])
    return 1 if bad else 0


def compare_states(work, grow_dir):
    """Compare the domains and hosts dumped after every cut of the growing
    log (grow_dir/K/) with the oracle's state at that point."""
    with open(os.path.join(work, 'expected.json'), encoding='utf-8') as f:
        exp = json.load(f)
    nbad = 0
    for k, snap in enumerate(exp['snapshots']):
        actual = os.path.join(grow_dir, str(k))
        title = 'after %d records (byte %d)' % (snap['records'], snap['end'])
        bad = multiset_diff(
            'domains ' + title, snap['domains'],
            load_jsonl(os.path.join(actual, 'domains.jsonl')),
            ['name', 'deleted', 'registrar', 'registrant', 'created', 'ns',
             'statuses', 'ds'], quiet=True)
        bad += multiset_diff(
            'hosts ' + title, snap['hosts'],
            load_jsonl(os.path.join(actual, 'hosts.jsonl')),
            ['name', 'deleted', 'registrar', 'superordinate', 'addrs',
         'statuses'],
            quiet=True)
        if bad:
            nbad += 1
            print('  the last records before this cut:')
            for r in exp['records'][:snap['records']][-SNAPSHOT_EVERY:]:
                print('    %d %s %s' % (r['offset'], r['command'], r['path']))
    n = len(exp['snapshots'])
    if nbad:
        print('MISMATCH: growing log: the state differs at %d of %d cuts'
              % (nbad, n))
        return 1
    print('ok: growing log: domains and hosts match at all %d cuts' % n)
    return 0


def compare_cli(work, cli_dir):
    """`fluxaudit events --domain NAME` / `--host NAME` (JSON) must list
    exactly the oracle's events of that name, in time order."""
    with open(os.path.join(work, 'expected.json'), encoding='utf-8') as f:
        exp = json.load(f)
    keys = ['offset', 'time', 'registrar', 'kind', 'domain', 'host',
            'contact', 'value']
    bad = 0
    with open(os.path.join(work, 'cli-queries.txt')) as f:
        queries = [line.split() for line in f if line.strip()]
    for what, name in queries:
        rows = load_jsonl(os.path.join(cli_dir, '%s-%s.jsonl' % (what, name)))
        want = [e for e in exp['events'] if e[what] == name]
        bad += multiset_diff('fluxaudit events --%s %s' % (what, name),
                             want, rows, keys)
        times = [r.get('time') or '' for r in rows]
        if times != sorted(times):
            print('MISMATCH: fluxaudit events --%s %s: not in time order'
                  % (what, name))
            bad += 1
    return 1 if bad else 0


def compare_raw(work, actual_dir):
    """The database after ingesting the RFC 5734 captures: the same
    transactions (by key), events and state as the envelope log, plus the
    logins and logouts; record times are the --time given, so positions and
    times are not compared."""
    with open(os.path.join(work, 'expected.json'), encoding='utf-8') as f:
        raw = json.load(f)['raw']
    bad = multiset_diff(
        'raw RFC 5734: transactions', in_txns(raw['records']),
        load_jsonl(os.path.join(actual_dir, 'txns.jsonl')),
        ['key', 'registrar', 'command', 'result_code'])
    bad += multiset_diff(
        'raw RFC 5734: events', raw['events'],
        load_jsonl(os.path.join(actual_dir, 'events.jsonl')),
        ['registrar', 'kind', 'domain', 'host', 'contact', 'value'])
    bad += multiset_diff(
        'raw RFC 5734: domains', raw['domains'],
        load_jsonl(os.path.join(actual_dir, 'domains.jsonl')),
        ['name', 'deleted', 'registrar', 'registrant', 'created', 'ns',
         'statuses', 'ds'])
    bad += multiset_diff(
        'raw RFC 5734: hosts', raw['hosts'],
        load_jsonl(os.path.join(actual_dir, 'hosts.jsonl')),
        ['name', 'deleted', 'registrar', 'superordinate', 'addrs',
         'statuses'])
    bad += multiset_diff(
        'raw RFC 5734: rejects', [],
        load_jsonl(os.path.join(actual_dir, 'rejects.jsonl')),
        ['offset', 'reason'])
    return 1 if bad else 0


def compare_parse(work, parse_out):
    """Compare `fluxaudit parse epp` output (no database) with the
    expectations, to tell the reader's share of a difference from the
    store's."""
    with open(os.path.join(work, 'expected.json'), encoding='utf-8') as f:
        exp = json.load(f)
    by_offset = {r['offset']: r for r in exp['records']}
    txns, events, rejects = [], [], []
    for o in load_jsonl(parse_out):
        if 'error' in o:
            rejects.append({'offset': o.get('offset'), 'reason': o['error']})
            continue
        txns.append({'offset': o.get('offset'), 'key': o.get('key'),
                     'time': o.get('time'), 'registrar': o.get('registrar'),
                     'command': o.get('command'),
                     'result_code': o.get('result')})
        for e in o.get('events', []):
            row = {k: e.get(k) for k in ('kind', 'domain', 'host', 'contact',
                                         'value')}
            row['offset'] = o.get('offset')
            events.append(row)

    def where(row):
        r = by_offset.get(row[0])
        return '   <- %s %s' % (r['command'], r['path']) if r else ''

    bad = multiset_diff(
        'parse epp: transactions', exp['records'], txns,
        ['offset', 'key', 'time', 'registrar', 'command', 'result_code'])
    bad += multiset_diff(
        'parse epp: events at their records', exp['events'], events,
        ['offset', 'kind', 'domain', 'host', 'contact', 'value'],
        describe=where)
    bad += multiset_diff('parse epp: rejects', exp['rejects'], rejects,
                         ['offset', 'reason'])
    return 1 if bad else 0


def main(argv):
    if len(argv) == 4 and argv[1] == 'assemble':
        return assemble(argv[2], argv[3])
    if len(argv) == 4 and argv[1] == 'compare':
        return compare(argv[2], argv[3])
    if len(argv) == 4 and argv[1] == 'compare-states':
        return compare_states(argv[2], argv[3])
    if len(argv) == 4 and argv[1] == 'compare-cli':
        return compare_cli(argv[2], argv[3])
    if len(argv) == 4 and argv[1] == 'compare-raw':
        return compare_raw(argv[2], argv[3])
    if len(argv) == 4 and argv[1] == 'compare-parse':
        return compare_parse(argv[2], argv[3])
    sys.stderr.write('usage: %s assemble CORPUS_DIR WORK_DIR | '
                     'compare WORK_DIR ACTUAL_DIR | '
                     'compare-parse WORK_DIR PARSE_JSONL | '
                     'compare-states WORK_DIR GROW_DIR | '
                     'compare-cli WORK_DIR CLI_DIR | '
                     'compare-raw WORK_DIR ACTUAL_DIR\n' % argv[0])
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
