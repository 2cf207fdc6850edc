-- createDiffTableSql contacts statement 1
CREATE OR REPLACE TABLE "sluice"."diff_keys__contacts" AS
WITH cur AS (
  SELECT CAST("id" AS VARCHAR) AS _key, "email" AS f0, "Lifetime ""Value""" AS f1
    FROM "analytics"."contacts" AS model_row
    WHERE NOT ("id" IS NULL)
)
SELECT COALESCE(c._key, s._key) AS _key
FROM (SELECT _key, hash(f0, f1) AS _fingerprint FROM cur) c FULL OUTER JOIN (SELECT _key, _hash, hash(f0, f1) AS _fingerprint FROM "sluice"."snapshot__contacts__v1a2b3c4") s ON c._key = s._key
WHERE c._key IS NULL OR s._key IS NULL OR s._hash IS NULL OR c._fingerprint <> s._fingerprint;

-- createDiffTableSql contacts statement 2
CREATE OR REPLACE TABLE "sluice"."diff_rows__contacts" AS
WITH cur AS (
  SELECT CAST("id" AS VARCHAR) AS _key, "email" AS f0, "Lifetime ""Value""" AS f1
    FROM "analytics"."contacts" AS model_row
    WHERE NOT ("id" IS NULL)
),
joined AS (
  SELECT k._key AS _key,
    CASE WHEN s._key IS NULL THEN 'added' WHEN c._key IS NULL THEN 'removed' ELSE 'changed' END AS _change,
    CASE WHEN c._key IS NULL THEN NULL ELSE md5(concat(CASE WHEN CAST(c.f0 AS VARCHAR) IS NULL THEN '~' ELSE concat(CAST(length(CAST(c.f0 AS VARCHAR)) AS VARCHAR), ':', CAST(c.f0 AS VARCHAR)) END, CASE WHEN CASE WHEN strpos(CAST(COALESCE(c.f1, s.f1) AS VARCHAR), '.') > 0 THEN rtrim(rtrim(CAST(COALESCE(c.f1, s.f1) AS VARCHAR), '0'), '.') ELSE CAST(COALESCE(c.f1, s.f1) AS VARCHAR) END IS NULL THEN '~' ELSE concat(CAST(length(CASE WHEN strpos(CAST(COALESCE(c.f1, s.f1) AS VARCHAR), '.') > 0 THEN rtrim(rtrim(CAST(COALESCE(c.f1, s.f1) AS VARCHAR), '0'), '.') ELSE CAST(COALESCE(c.f1, s.f1) AS VARCHAR) END) AS VARCHAR), ':', CASE WHEN strpos(CAST(COALESCE(c.f1, s.f1) AS VARCHAR), '.') > 0 THEN rtrim(rtrim(CAST(COALESCE(c.f1, s.f1) AS VARCHAR), '0'), '.') ELSE CAST(COALESCE(c.f1, s.f1) AS VARCHAR) END) END)) END AS _hash,
    s._hash AS _old_hash,
    c.f0 AS n0,
    s.f0 AS o0,
    c.f1 AS n1,
    s.f1 AS o1
  FROM "sluice"."diff_keys__contacts" k
  LEFT JOIN cur c ON c._key = k._key
  LEFT JOIN "sluice"."snapshot__contacts__v1a2b3c4" s ON s._key = k._key
)
SELECT joined.*,
  CASE _change WHEN 'added' THEN 'upsert' WHEN 'changed' THEN 'upsert' WHEN 'removed' THEN 'delete' END AS _operation,
  FALSE AS _withheld
FROM joined
WHERE _change <> 'changed' OR _old_hash IS NULL OR _hash <> _old_hash;

-- createDiffTableSql contacts statement 3
CREATE OR REPLACE TABLE "sluice"."diff__contacts" AS
SELECT d.*, n._seq
FROM "sluice"."diff_rows__contacts" d
JOIN (SELECT _key AS _numbered_key, row_number() OVER (ORDER BY CASE WHEN _change = 'removed' THEN 0 ELSE 1 END, _key) AS _seq FROM "sluice"."diff_rows__contacts") n
  ON n._numbered_key = d._key;

-- createDiffTableSql contacts statement 4
DROP TABLE IF EXISTS "sluice"."diff_keys__contacts";

-- createDiffTableSql contacts statement 5
DROP TABLE IF EXISTS "sluice"."diff_rows__contacts";

-- pendingSendsSql contacts
SELECT _seq, _key, _change, _operation, _hash, _old_hash, n0, o0, n1, o1 FROM "sluice"."diff__contacts"
WHERE _operation IS NOT NULL AND NOT _withheld
ORDER BY _seq;

-- commitSnapshotSql contacts statement 1
DELETE FROM "sluice"."snapshot__contacts__v1a2b3c4" WHERE _key IN (SELECT d._key FROM "sluice"."diff__contacts" d WHERE d._change <> 'added' AND NOT d._withheld AND (d._operation IS NULL OR (d._seq <= 250 AND NOT EXISTS (SELECT 1 FROM "sluice"."failed__contacts" x WHERE x._key = d._key))));

-- commitSnapshotSql contacts statement 2
INSERT INTO "sluice"."snapshot__contacts__v1a2b3c4" (_key, _hash, _run_id, _synced_at, f0, f1)
SELECT d._key, d._hash, 'run_20240101T000000Z_abc123', CURRENT_TIMESTAMP, d.n0, COALESCE(d.n1, d.o1)
FROM "sluice"."diff__contacts" d WHERE d._change <> 'removed' AND NOT d._withheld AND (d._operation IS NULL OR (d._seq <= 250 AND NOT EXISTS (SELECT 1 FROM "sluice"."failed__contacts" x WHERE x._key = d._key)));

-- createDiffTableSql buyers statement 1
CREATE OR REPLACE TABLE "sluice"."diff_keys__buyers" AS
WITH cur AS (
  SELECT * FROM (SELECT concat(CAST(length(CAST("account_id" AS VARCHAR)) AS VARCHAR), ':', CAST("account_id" AS VARCHAR), '|', CAST(length(CAST("email" AS VARCHAR)) AS VARCHAR), ':', CAST("email" AS VARCHAR)) AS _key, "seen_at" AS f0, count(*) OVER (PARTITION BY concat(CAST(length(CAST("account_id" AS VARCHAR)) AS VARCHAR), ':', CAST("account_id" AS VARCHAR), '|', CAST(length(CAST("email" AS VARCHAR)) AS VARCHAR), ':', CAST("email" AS VARCHAR))) AS _copies
    FROM "analytics"."buyers" AS model_row
    WHERE NOT ("account_id" IS NULL OR "email" IS NULL)) keyed WHERE _copies = 1
)
SELECT COALESCE(c._key, s._key) AS _key
FROM (SELECT _key, hash(f0) AS _fingerprint FROM cur) c FULL OUTER JOIN (SELECT _key, _hash, hash(f0) AS _fingerprint FROM "sluice"."snapshot__buyers__v9f8e7d6") s ON c._key = s._key;

-- createDiffTableSql buyers statement 2
CREATE OR REPLACE TABLE "sluice"."diff_rows__buyers" AS
WITH cur AS (
  SELECT * FROM (SELECT concat(CAST(length(CAST("account_id" AS VARCHAR)) AS VARCHAR), ':', CAST("account_id" AS VARCHAR), '|', CAST(length(CAST("email" AS VARCHAR)) AS VARCHAR), ':', CAST("email" AS VARCHAR)) AS _key, "seen_at" AS f0, count(*) OVER (PARTITION BY concat(CAST(length(CAST("account_id" AS VARCHAR)) AS VARCHAR), ':', CAST("account_id" AS VARCHAR), '|', CAST(length(CAST("email" AS VARCHAR)) AS VARCHAR), ':', CAST("email" AS VARCHAR))) AS _copies
    FROM "analytics"."buyers" AS model_row
    WHERE NOT ("account_id" IS NULL OR "email" IS NULL)) keyed WHERE _copies = 1
),
joined AS (
  SELECT k._key AS _key,
    CASE WHEN s._key IS NULL THEN 'added' WHEN c._key IS NULL THEN 'removed' ELSE 'changed' END AS _change,
    CASE WHEN c._key IS NULL THEN NULL ELSE md5(concat(CASE WHEN strftime(CAST(COALESCE(c.f0, s.f0) AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%fZ') IS NULL THEN '~' ELSE concat(CAST(length(strftime(CAST(COALESCE(c.f0, s.f0) AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%fZ')) AS VARCHAR), ':', strftime(CAST(COALESCE(c.f0, s.f0) AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%fZ')) END)) END AS _hash,
    CAST(NULL AS VARCHAR) AS _old_hash,
    c.f0 AS n0,
    s.f0 AS o0
  FROM "sluice"."diff_keys__buyers" k
  LEFT JOIN cur c ON c._key = k._key
  LEFT JOIN "sluice"."snapshot__buyers__v9f8e7d6" s ON s._key = k._key
)
SELECT joined.*,
  CASE _change WHEN 'added' THEN 'add' WHEN 'changed' THEN 'add' WHEN 'removed' THEN 'remove' END AS _operation,
  FALSE AS _withheld
FROM joined
WHERE _change <> 'changed' OR _old_hash IS NULL OR _hash <> _old_hash;

-- createDiffTableSql buyers statement 3
CREATE OR REPLACE TABLE "sluice"."diff__buyers" AS
SELECT d.*, n._seq
FROM "sluice"."diff_rows__buyers" d
JOIN (SELECT _key AS _numbered_key, row_number() OVER (ORDER BY CASE WHEN _change = 'removed' THEN 0 ELSE 1 END, _key) AS _seq FROM "sluice"."diff_rows__buyers") n
  ON n._numbered_key = d._key;

-- createDiffTableSql buyers statement 4
DROP TABLE IF EXISTS "sluice"."diff_keys__buyers";

-- createDiffTableSql buyers statement 5
DROP TABLE IF EXISTS "sluice"."diff_rows__buyers";

-- pendingSendsSql buyers
SELECT _seq, _key, _change, _operation, _hash, _old_hash, n0, o0 FROM "sluice"."diff__buyers"
WHERE _operation IS NOT NULL AND NOT _withheld
ORDER BY _seq;

-- commitSnapshotSql buyers statement 1
DELETE FROM "sluice"."snapshot__buyers__v9f8e7d6" WHERE _key IN (SELECT d._key FROM "sluice"."diff__buyers" d WHERE d._change <> 'added' AND NOT d._withheld AND (d._operation IS NULL OR (d._seq <= 250 AND NOT EXISTS (SELECT 1 FROM "sluice"."failed__buyers" x WHERE x._key = d._key))));

-- commitSnapshotSql buyers statement 2
INSERT INTO "sluice"."snapshot__buyers__v9f8e7d6" (_key, _hash, _run_id, _synced_at, f0)
SELECT d._key, d._hash, 'run_20240101T000000Z_abc123', CURRENT_TIMESTAMP, COALESCE(d.n0, d.o0)
FROM "sluice"."diff__buyers" d WHERE d._change <> 'removed' AND NOT d._withheld AND (d._operation IS NULL OR (d._seq <= 250 AND NOT EXISTS (SELECT 1 FROM "sluice"."failed__buyers" x WHERE x._key = d._key)));
