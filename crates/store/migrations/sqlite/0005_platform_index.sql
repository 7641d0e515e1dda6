-- Orders of one platform in a time range: without this index the range is
-- read from the creation index and each order's row is read to check its
-- platform (seconds over a million orders).
CREATE INDEX orders_platform_created ON orders (platform, created_ms, id);
