-- Ciphertext the platform sent in place of a buyer's name or phone (a
-- canonical value starting `encrypted:`) is no longer a search term
-- (`search_terms` in sql/mod.rs says why). Terms are lower-cased, so the
-- marker is too; this range is every term that starts with it, and no other.
DELETE FROM order_terms WHERE term >= 'encrypted:' AND term < 'encrypted;';
