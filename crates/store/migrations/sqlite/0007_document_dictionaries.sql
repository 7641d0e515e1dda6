-- The dictionaries documents are packed against (crates/store/src/documents.rs).
-- A row is never deleted: a document packed against it needs it to be read.
CREATE TABLE document_dictionaries (
    id          INTEGER PRIMARY KEY,              -- FNV-1a of the content: the same id is the same bytes
    platform    TEXT NOT NULL,
    content     BLOB NOT NULL,
    created_ms  INTEGER NOT NULL
);
CREATE INDEX document_dictionaries_platform ON document_dictionaries (platform, created_ms);
