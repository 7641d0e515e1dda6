-- Buyers' names, phones and emails are search terms behind a control
-- character (U+0001), apart from the order numbers, platform ids and
-- tracking numbers, so that a search by an API key without the pii scope
-- never reaches them. SQL cannot read a packed document, so the terms of
-- orders stored before are rewritten from their documents in Rust when the
-- store next opens (`SqlStore::run_upkeep`), then the task is removed.
CREATE TABLE store_upkeep (task TEXT PRIMARY KEY);
INSERT INTO store_upkeep (task) SELECT 'split_buyer_terms' WHERE EXISTS (SELECT 1 FROM orders);
