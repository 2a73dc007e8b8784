-- Not every member has a 警号 (文职人员, 工勤人员, retired members). A member without one keeps
-- '' in the column: it stays NOT NULL because SQLite could drop that only by rebuilding the
-- table half the schema refers to; the store reads '' as "none". Only numbers that exist
-- must be unique.
DROP INDEX uq__members__police_number;
CREATE UNIQUE INDEX uq__members__police_number ON members (police_number) WHERE police_number <> '';
