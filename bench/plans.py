#!/usr/bin/env python3
"""The inbox views' SQL alone, as store_ticket_list builds it, timed on a desk
made by bench/tickets.sql (KEEP=1 bench/views.sh keeps the PostgreSQL one).
PostgreSQL: EXPLAIN (ANALYZE, TIMING OFF), the server's own execution time.
SQLite: the statement run to its last row through Python's sqlite3.
Usage: bench/plans.py sqlite PATH [RUNS] [-plan]
       bench/plans.py postgres SOCKETDIR DATABASE [RUNS] [-plan]"""
import re
import sqlite3
import subprocess
import sys
import time

COLS = ("t.id, t.subject, t.status, t.priority, t.channel, t.customer_id, t.assignee_id,"
        " t.created_at, t.updated_at, t.first_response_at, t.solved_at, t.mailbox_id,"
        " t.linked_ticket_id, t.cc")
ALL = ["new", "open", "pending", "on-hold", "solved", "closed"]
def sql(statuses=(), tag=None, assignee=None, unassigned=False, channel=None, by_id=False,
        asc=False, limit=26):
    """The SQL of one view, built as store_ticket_list builds it (limit: page + 1)."""
    if tag and not statuses: statuses = ALL
    g = "g." if tag else "t."
    key = ("g.ticket_id" if by_id else "g.updated_at") if tag else ("t.id" if by_id else "t.updated_at")
    idc = "g.ticket_id" if tag else "t.id"
    d = "ASC" if asc else "DESC"
    conds = ""
    if unassigned: conds += " AND %sassignee_id IS NULL" % g
    if assignee: conds += " AND %sassignee_id = %d" % (g, assignee)
    if channel: conds += " AND %schannel = '%s'" % (g, channel)
    def branch(s):
        src = ("SELECT %s FROM ticket_tags g CROSS JOIN tickets t WHERE g.tag = '%s' AND t.id = g.ticket_id" % (COLS, tag)
               if tag else "SELECT %s FROM tickets t WHERE 1 = 1" % COLS)
        if s: src += " AND %sstatus = '%s'" % (g, s)
        return "%s%s ORDER BY %s %s, %s %s LIMIT %d" % (src, conds, key, d, idc, d, limit)
    if len(statuses) <= 1:
        return branch(statuses[0] if statuses else None)
    q = " UNION ALL ".join("SELECT * FROM (%s) b%d" % (branch(s), i) for i, s in enumerate(statuses))
    return q + " ORDER BY %s %s, id %s LIMIT %d" % ("id" if by_id else "updated_at", d, d, limit)
views = [
 ("status=new,open", sql(["new", "open"])),
 ("status=open&sort=-created_at", sql(["open"], by_id=True)),
 ("status=solved&sort=created_at", sql(["solved"], by_id=True, asc=True)),
 ("sort=updated_at&limit=100", sql(asc=True, limit=101)),
 ("assignee=none&status=new,open,pending,on-hold", sql(ALL[:4], unassigned=True)),
 ("assignee=1005&status=open", sql(["open"], assignee=1005)),
 ("assignee=1005&sort=-id", sql(assignee=1005, by_id=True)),
 ("channel=email&limit=50", sql(channel="email", limit=51)),
 ("channel=phone&status=open", sql(["open"], channel="phone")),
 ("assignee=1005&channel=phone", sql(assignee=1005, channel="phone")),
 ("status=pending&assignee=1005&channel=chat", sql(["pending"], assignee=1005, channel="chat")),
 ("tag=t5", sql(tag="t5")),
 ("tag=t1&status=open", sql(["open"], tag="t1")),
 ("tag=t5&status=new,open&sort=-created_at", sql(["new", "open"], tag="t5", by_id=True)),
 ("tag=rare", sql(tag="rare")),
 ("tag=rare&status=open", sql(["open"], tag="rare")),
 ("tag=t150&status=on-hold&sort=updated_at", sql(["on-hold"], tag="t150", asc=True)),
 ("tag=t5&assignee=1005&status=open", sql(["open"], tag="t5", assignee=1005)),
 ("tag=t5&channel=phone", sql(tag="t5", channel="phone")),
 ("tag=t1&assignee=none&channel=chat&status=new,open,pending,on-hold", sql(ALL[:4], tag="t1", unassigned=True, channel="chat")),
]
args = [a for a in sys.argv[1:] if a != "-plan"]
backend = args[0]
if backend == "sqlite":
    path, runs = args[1], int(args[2]) if len(args) > 2 else 30
else:
    pg, db, runs = args[1], args[2], int(args[3]) if len(args) > 3 else 30
times = {}


def bound(q):
    """The statement with its values as parameters, as deskd runs it: SQLite
    plans a literal by its value, a parameter by the averages."""
    values = []

    def take(m):
        values.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
        return "?"
    return re.sub(r"'([^']*)'|(?<=[=T] )(\d+)", take, q), values


if backend == "sqlite":
    conn = sqlite3.connect(path)
    for name, q in views:
        times[name] = []
        q, values = bound(q)
        for _ in range(runs):
            start = time.perf_counter()
            conn.execute(q, values).fetchall()
            times[name].append((time.perf_counter() - start) * 1000)
else:
    script = ""
    for name, q in views:
        script += "\\echo VIEW %s\n" % name
        script += "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) %s;\n" % q * runs
    out = subprocess.run(["psql", "-h", pg, "-U", "postgres", "-At", db], input=script,
                         capture_output=True, text=True, check=True).stdout
    cur = None
    for line in out.splitlines():
        if line.startswith("VIEW "):
            cur = line[5:]
            times[cur] = []
        m = re.match(r"Execution Time: ([\d.]+) ms", line)
        if m:
            times[cur].append(float(m.group(1)))
print("%-66s %8s %8s" % ("view (%s, the statement alone, %d runs)" % (backend, runs),
                          "median", "max"))
for name, _ in views:
    t = sorted(times[name])
    print("%-66s %6.2fms %6.2fms" % (name, t[len(t) // 2], t[-1]))
if "-plan" in sys.argv:
    for name, q in views:
        print("--", name)
        if backend == "sqlite":
            q, values = bound(q)
            for row in conn.execute("EXPLAIN QUERY PLAN " + q, values):
                print("   ", row[-1])
        else:
            print(subprocess.run(["psql", "-h", pg, "-U", "postgres", "-At", db, "-c",
                                  "EXPLAIN (COSTS OFF) " + q], capture_output=True,
                                 text=True).stdout)
