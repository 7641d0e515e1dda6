#!/usr/bin/env python3
"""How fast can SQLite itself store orders in orderhub's schema?

Inserts made-up orders straight into a copy of an orderhub SQLite store with
Python's sqlite3 module (no HTTP, no JSON parsing, no orderhub code): each
order is one `orders` row with a document of DOC_BYTES, six search terms,
three items and one event, 1,000 orders per transaction, the same pragmas as
orderhub (WAL, synchronous=NORMAL, 32 MiB cache). What it prints is the
ceiling of a sync into this schema on the machine it runs on.

    ./target/release/orderhub bench-api --orders 1 --requests 1 --database /tmp/schema.db
    python3 scripts/sqlite-ceiling.py /tmp/schema.db 50000 2000
    python3 scripts/sqlite-ceiling.py /tmp/schema.db 50000 2000 bare

`bare` drops the secondary indexes of `orders` and skips terms, items and
events: the cost of the `orders` table alone.
"""

import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time

SECONDARY_INDEXES = [
    "orders_shop_created", "orders_status", "orders_number", "orders_created_id", "orders_updated_id",
    "orders_shop_status_created", "orders_id_times", "orders_platform_created",
]


def main(schema: str, count: int, doc_bytes: int, bare: bool) -> None:
    work = tempfile.mkdtemp()
    path = os.path.join(work, "ceiling.db")
    # The backup API, not a file copy: a store in WAL mode may hold its schema in its -wal file.
    source = sqlite3.connect(schema)
    db = sqlite3.connect(path, isolation_level=None)
    source.backup(db)
    source.close()
    for table in ["order_terms", "order_items", "order_events", "orders"]:
        db.execute(f"DELETE FROM {table}")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA cache_size=-32768")
    if bare:
        for index in SECONDARY_INDEXES:
            db.execute(f"DROP INDEX {index}")
    document = "x" * doc_bytes
    rng = random.Random(1)
    started = time.time()
    for first in range(0, count, 1000):
        db.execute("BEGIN IMMEDIATE")
        orders, terms, items, events = [], [], [], []
        for i in range(first, min(first + 1000, count)):
            order_id = f"shoptima:shop{i % 10}:{i:012d}"
            created = 1_700_000_000_000 + i * 1000
            orders.append((order_id, "shoptima", f"shop{i % 10}", f"{i:012d}", "paid", "paid", "unfulfilled",
                           "none", "CNY", "12.00", created, created, document, 0, 0))
            terms.extend((f"{rng.random():.12f}", order_id) for _ in range(6))
            items.extend((order_id, str(k), f"sku{rng.randrange(1000)}", "p", "s", "title", 1, "1.00", "1.00")
                         for k in range(3))
            events.append((order_id, "created", '[{"field":"status"}]', 0))
        db.executemany(
            "INSERT INTO orders (id, platform, shop, order_number, status, payment_status, fulfillment_status,"
            " refund_status, currency, total, created_ms, updated_ms, document, first_seen_ms, last_changed_ms)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", orders)
        if not bare:
            terms.sort()
            db.executemany("INSERT INTO order_terms VALUES (?, ?) ON CONFLICT DO NOTHING", terms)
            db.executemany(
                "INSERT INTO order_items (order_id, line_id, sku, product_id, sku_id, title, quantity, unit_price,"
                " total) VALUES (?,?,?,?,?,?,?,?,?)", items)
            db.executemany("INSERT INTO order_events (order_id, kind, changes, recorded_ms) VALUES (?,?,?,?)", events)
        db.execute("COMMIT")
    seconds = time.time() - started
    print(f"{count} orders ({doc_bytes}-byte documents{', bare' if bare else ''}) in {seconds:.2f} s "
          f"= {count / seconds:.0f} orders/s")
    db.close()
    shutil.rmtree(work)


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), len(sys.argv) > 4 and sys.argv[4] == "bare")
