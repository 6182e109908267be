CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v REAL, tag TEXT);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 40000)
INSERT INTO t SELECT x, printf('name-%d-%s', x, hex(randomblob(8))), x * 0.5, 'tag' || (x % 97) FROM c;
CREATE INDEX t_name ON t(name);
CREATE INDEX t_tag ON t(tag, v);
SELECT tag, count(*), avg(v), group_concat(substr(name, 1, 8)) FROM t GROUP BY tag ORDER BY 2 DESC LIMIT 5;
UPDATE t SET name = upper(name) WHERE id % 3 = 0;
DELETE FROM t WHERE id % 7 = 0;
SELECT count(*) FROM t a JOIN t b ON a.tag = b.tag AND a.id < b.id WHERE a.id < 300;
VACUUM;
