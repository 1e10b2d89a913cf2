-- PostgreSQL's V18 makes changes announce themselves to the other nodes (LISTEN/NOTIFY). SQLite
-- serves one node: nothing to announce; this keeps both stores at the same schema version.
SELECT 1;
