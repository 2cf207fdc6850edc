-- createDiffTableSql contacts statement 1
CREATE OR REPLACE TABLE "SLUICE"."DIFF_KEYS__CONTACTS" AS
WITH cur AS (
  SELECT TO_VARCHAR("ID") AS _key, "EMAIL" AS f0, "Lifetime ""Value""" AS f1
    FROM "ANALYTICS"."CONTACTS" AS model_row
    WHERE NOT ("ID" IS NULL)
)
SELECT COALESCE(c._key, s._key) AS _key
FROM (SELECT _key, HASH(f0, f1) AS _fingerprint FROM cur) c FULL OUTER JOIN (SELECT _key, _hash, HASH(f0, f1) AS _fingerprint FROM "SLUICE"."SNAPSHOT__CONTACTS__V1A2B3C4") s ON c._key = s._key
WHERE c._key IS NULL OR s._key IS NULL OR s._hash IS NULL OR c._fingerprint <> s._fingerprint;

-- createDiffTableSql contacts statement 2
CREATE OR REPLACE TABLE "SLUICE"."DIFF_ROWS__CONTACTS" AS
WITH cur AS (
  SELECT TO_VARCHAR("ID") AS _key, "EMAIL" AS f0, "Lifetime ""Value""" AS f1
    FROM "ANALYTICS"."CONTACTS" AS model_row
    WHERE NOT ("ID" IS NULL)
),
joined AS (
  SELECT k._key AS _key,
    CASE WHEN s._key IS NULL THEN 'added' WHEN c._key IS NULL THEN 'removed' ELSE 'changed' END AS _change,
    CASE WHEN c._key IS NULL THEN NULL ELSE MD5(CONCAT(COALESCE(CASE WHEN TO_VARCHAR(c.f0) IS NULL THEN '~' ELSE CONCAT(COALESCE(CAST(LENGTH(TO_VARCHAR(c.f0)) AS VARCHAR), ''), ':', COALESCE(TO_VARCHAR(c.f0), '')) END, ''), COALESCE(CASE WHEN CASE WHEN CONTAINS(TO_VARCHAR(COALESCE(c.f1, s.f1)), '.') THEN REGEXP_REPLACE(TO_VARCHAR(COALESCE(c.f1, s.f1)), '[.]?0+$', '') ELSE TO_VARCHAR(COALESCE(c.f1, s.f1)) END IS NULL THEN '~' ELSE CONCAT(COALESCE(CAST(LENGTH(CASE WHEN CONTAINS(TO_VARCHAR(COALESCE(c.f1, s.f1)), '.') THEN REGEXP_REPLACE(TO_VARCHAR(COALESCE(c.f1, s.f1)), '[.]?0+$', '') ELSE TO_VARCHAR(COALESCE(c.f1, s.f1)) END) AS VARCHAR), ''), ':', COALESCE(CASE WHEN CONTAINS(TO_VARCHAR(COALESCE(c.f1, s.f1)), '.') THEN REGEXP_REPLACE(TO_VARCHAR(COALESCE(c.f1, s.f1)), '[.]?0+$', '') ELSE TO_VARCHAR(COALESCE(c.f1, s.f1)) END, '')) END, ''))) END AS _hash,
    s._hash AS _old_hash,
    c.f0 AS n0,
    s.f0 AS o0,
    c.f1 AS n1,
    s.f1 AS o1
  FROM "SLUICE"."DIFF_KEYS__CONTACTS" k
  LEFT JOIN cur c ON c._key = k._key
  LEFT JOIN "SLUICE"."SNAPSHOT__CONTACTS__V1A2B3C4" s ON s._key = k._key
)
SELECT joined.*,
  CASE _change WHEN 'added' THEN 'upsert' WHEN 'changed' THEN 'upsert' WHEN 'removed' THEN 'delete' END AS _operation,
  FALSE AS _withheld
FROM joined
WHERE _change <> 'changed' OR _old_hash IS NULL OR _hash <> _old_hash;

-- createDiffTableSql contacts statement 3
CREATE OR REPLACE TABLE "SLUICE"."DIFF__CONTACTS" AS
SELECT d.*, n._seq
FROM "SLUICE"."DIFF_ROWS__CONTACTS" d
JOIN (SELECT _key AS _numbered_key, row_number() OVER (ORDER BY CASE WHEN _change = 'removed' THEN 0 ELSE 1 END, _key) AS _seq FROM "SLUICE"."DIFF_ROWS__CONTACTS") n
  ON n._numbered_key = d._key;

-- createDiffTableSql contacts statement 4
DROP TABLE IF EXISTS "SLUICE"."DIFF_KEYS__CONTACTS";

-- createDiffTableSql contacts statement 5
DROP TABLE IF EXISTS "SLUICE"."DIFF_ROWS__CONTACTS";

-- pendingSendsSql contacts
SELECT _seq, _key, _change, _operation, _hash, _old_hash, n0, o0, n1, o1 FROM "SLUICE"."DIFF__CONTACTS"
WHERE _operation IS NOT NULL AND NOT _withheld
ORDER BY _seq;

-- commitSnapshotSql contacts statement 1
DELETE FROM "SLUICE"."SNAPSHOT__CONTACTS__V1A2B3C4" WHERE _key IN (SELECT d._key FROM "SLUICE"."DIFF__CONTACTS" d WHERE d._change <> 'added' AND NOT d._withheld AND (d._operation IS NULL OR (d._seq <= 250 AND NOT EXISTS (SELECT 1 FROM "SLUICE"."FAILED__CONTACTS" x WHERE x._key = d._key))));

-- commitSnapshotSql contacts statement 2
INSERT INTO "SLUICE"."SNAPSHOT__CONTACTS__V1A2B3C4" (_key, _hash, _run_id, _synced_at, f0, f1)
SELECT d._key, d._hash, 'run_20240101T000000Z_abc123', CURRENT_TIMESTAMP, d.n0, COALESCE(d.n1, d.o1)
FROM "SLUICE"."DIFF__CONTACTS" d WHERE d._change <> 'removed' AND NOT d._withheld AND (d._operation IS NULL OR (d._seq <= 250 AND NOT EXISTS (SELECT 1 FROM "SLUICE"."FAILED__CONTACTS" x WHERE x._key = d._key)));

-- createDiffTableSql buyers statement 1
CREATE OR REPLACE TABLE "SLUICE"."DIFF_KEYS__BUYERS" AS
WITH cur AS (
  SELECT * FROM (SELECT CONCAT(COALESCE(CAST(LENGTH(TO_VARCHAR("ACCOUNT_ID")) AS VARCHAR), ''), ':', COALESCE(TO_VARCHAR("ACCOUNT_ID"), ''), '|', COALESCE(CAST(LENGTH(TO_VARCHAR("EMAIL")) AS VARCHAR), ''), ':', COALESCE(TO_VARCHAR("EMAIL"), '')) AS _key, "SEEN_AT" AS f0, count(*) OVER (PARTITION BY CONCAT(COALESCE(CAST(LENGTH(TO_VARCHAR("ACCOUNT_ID")) AS VARCHAR), ''), ':', COALESCE(TO_VARCHAR("ACCOUNT_ID"), ''), '|', COALESCE(CAST(LENGTH(TO_VARCHAR("EMAIL")) AS VARCHAR), ''), ':', COALESCE(TO_VARCHAR("EMAIL"), ''))) AS _copies
    FROM "ANALYTICS"."BUYERS" AS model_row
    WHERE NOT ("ACCOUNT_ID" IS NULL OR "EMAIL" IS NULL)) keyed WHERE _copies = 1
)
SELECT COALESCE(c._key, s._key) AS _key
FROM (SELECT _key, HASH(f0) AS _fingerprint FROM cur) c FULL OUTER JOIN (SELECT _key, _hash, HASH(f0) AS _fingerprint FROM "SLUICE"."SNAPSHOT__BUYERS__V9F8E7D6") s ON c._key = s._key;

-- createDiffTableSql buyers statement 2
CREATE OR REPLACE TABLE "SLUICE"."DIFF_ROWS__BUYERS" AS
WITH cur AS (
  SELECT * FROM (SELECT CONCAT(COALESCE(CAST(LENGTH(TO_VARCHAR("ACCOUNT_ID")) AS VARCHAR), ''), ':', COALESCE(TO_VARCHAR("ACCOUNT_ID"), ''), '|', COALESCE(CAST(LENGTH(TO_VARCHAR("EMAIL")) AS VARCHAR), ''), ':', COALESCE(TO_VARCHAR("EMAIL"), '')) AS _key, "SEEN_AT" AS f0, count(*) OVER (PARTITION BY CONCAT(COALESCE(CAST(LENGTH(TO_VARCHAR("ACCOUNT_ID")) AS VARCHAR), ''), ':', COALESCE(TO_VARCHAR("ACCOUNT_ID"), ''), '|', COALESCE(CAST(LENGTH(TO_VARCHAR("EMAIL")) AS VARCHAR), ''), ':', COALESCE(TO_VARCHAR("EMAIL"), ''))) AS _copies
    FROM "ANALYTICS"."BUYERS" AS model_row
    WHERE NOT ("ACCOUNT_ID" IS NULL OR "EMAIL" IS NULL)) keyed WHERE _copies = 1
),
joined AS (
  SELECT k._key AS _key,
    CASE WHEN s._key IS NULL THEN 'added' WHEN c._key IS NULL THEN 'removed' ELSE 'changed' END AS _change,
    CASE WHEN c._key IS NULL THEN NULL ELSE MD5(CONCAT(COALESCE(CASE WHEN (TO_CHAR(CONVERT_TIMEZONE('UTC', COALESCE(c.f0, s.f0))::TIMESTAMP_NTZ, 'YYYY-MM-DD"T"HH24:MI:SS.FF6') || 'Z') IS NULL THEN '~' ELSE CONCAT(COALESCE(CAST(LENGTH((TO_CHAR(CONVERT_TIMEZONE('UTC', COALESCE(c.f0, s.f0))::TIMESTAMP_NTZ, 'YYYY-MM-DD"T"HH24:MI:SS.FF6') || 'Z')) AS VARCHAR), ''), ':', COALESCE((TO_CHAR(CONVERT_TIMEZONE('UTC', COALESCE(c.f0, s.f0))::TIMESTAMP_NTZ, 'YYYY-MM-DD"T"HH24:MI:SS.FF6') || 'Z'), '')) END, ''))) END AS _hash,
    CAST(NULL AS VARCHAR) AS _old_hash,
    c.f0 AS n0,
    s.f0 AS o0
  FROM "SLUICE"."DIFF_KEYS__BUYERS" k
  LEFT JOIN cur c ON c._key = k._key
  LEFT JOIN "SLUICE"."SNAPSHOT__BUYERS__V9F8E7D6" s ON s._key = k._key
)
SELECT joined.*,
  CASE _change WHEN 'added' THEN 'add' WHEN 'changed' THEN 'add' WHEN 'removed' THEN 'remove' END AS _operation,
  FALSE AS _withheld
FROM joined
WHERE _change <> 'changed' OR _old_hash IS NULL OR _hash <> _old_hash;

-- createDiffTableSql buyers statement 3
CREATE OR REPLACE TABLE "SLUICE"."DIFF__BUYERS" AS
SELECT d.*, n._seq
FROM "SLUICE"."DIFF_ROWS__BUYERS" d
JOIN (SELECT _key AS _numbered_key, row_number() OVER (ORDER BY CASE WHEN _change = 'removed' THEN 0 ELSE 1 END, _key) AS _seq FROM "SLUICE"."DIFF_ROWS__BUYERS") n
  ON n._numbered_key = d._key;

-- createDiffTableSql buyers statement 4
DROP TABLE IF EXISTS "SLUICE"."DIFF_KEYS__BUYERS";

-- createDiffTableSql buyers statement 5
DROP TABLE IF EXISTS "SLUICE"."DIFF_ROWS__BUYERS";

-- pendingSendsSql buyers
SELECT _seq, _key, _change, _operation, _hash, _old_hash, n0, o0 FROM "SLUICE"."DIFF__BUYERS"
WHERE _operation IS NOT NULL AND NOT _withheld
ORDER BY _seq;

-- commitSnapshotSql buyers statement 1
DELETE FROM "SLUICE"."SNAPSHOT__BUYERS__V9F8E7D6" WHERE _key IN (SELECT d._key FROM "SLUICE"."DIFF__BUYERS" d WHERE d._change <> 'added' AND NOT d._withheld AND (d._operation IS NULL OR (d._seq <= 250 AND NOT EXISTS (SELECT 1 FROM "SLUICE"."FAILED__BUYERS" x WHERE x._key = d._key))));

-- commitSnapshotSql buyers statement 2
INSERT INTO "SLUICE"."SNAPSHOT__BUYERS__V9F8E7D6" (_key, _hash, _run_id, _synced_at, f0)
SELECT d._key, d._hash, 'run_20240101T000000Z_abc123', CURRENT_TIMESTAMP, COALESCE(d.n0, d.o0)
FROM "SLUICE"."DIFF__BUYERS" d WHERE d._change <> 'removed' AND NOT d._withheld AND (d._operation IS NULL OR (d._seq <= 250 AND NOT EXISTS (SELECT 1 FROM "SLUICE"."FAILED__BUYERS" x WHERE x._key = d._key)));
