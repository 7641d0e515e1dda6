-- Ciphertext the platform sent in place of a buyer's name or phone (a
-- canonical value starting `encrypted:`) is no longer a search term:
-- SQLite's migration 0010, whose comment says why. Terms are lower-cased and
-- compared byte by byte (COLLATE "C"), so this range is every term that
-- starts with the marker, and no other.
DELETE FROM order_terms WHERE term >= 'encrypted:' AND term < 'encrypted;';
