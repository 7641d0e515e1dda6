-- A document is PostgreSQL's to compress (TOAST; postgres.rs says why it is
-- stored as JSON text here), and PostgreSQL compresses with pglz unless told
-- otherwise. A sync's inserts run in one backend, on one core, and pglz was a
-- large part of its work: `orderhub bench --orders 100000` into PostgreSQL 15,
-- pglz and lz4 in turn, three pairs, stored Damaijia (8.6 KB documents) at
-- 4,433–4,945 orders/s with pglz and 8,240–8,465 with lz4, Shoptima at
-- 7,245–7,597 and 9,172–10,374, for a database 5% larger (docs/benchmarks.md,
-- eighteenth session).
--
-- lz4 needs PostgreSQL 14 or later built with it (Debian's, the official
-- images' and most others' are). Where it is not, the column keeps pglz and
-- the migration still succeeds: EXECUTE defers the statement's parsing, so
-- an older server's syntax error is caught here too. Documents stored
-- before keep their compression; PostgreSQL reads either.
DO $$
BEGIN
    EXECUTE 'ALTER TABLE orders ALTER COLUMN document SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error OR invalid_parameter_value THEN
    RAISE NOTICE 'orderhub: this PostgreSQL cannot compress with lz4 (%); documents stay compressed with pglz', SQLERRM;
END
$$;
