-- Units form a tree (市局 → 分局/支队 → 派出所/大队/科室) with dated validity, and a joint
-- org (联合党支部) names the units it covers besides its own (issue 14, 2): coverage walks the
-- tree and counts a unit as covered when an org is set up in it or a joint org names it.
ALTER TABLE units ADD COLUMN parent_id BIGINT REFERENCES units (id);
ALTER TABLE units ADD COLUMN valid_from TEXT;
ALTER TABLE units ADD COLUMN valid_to TEXT;
CREATE INDEX units_parent ON units (parent_id);

CREATE TABLE org_units (
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    PRIMARY KEY (org_id, unit_id)
);
CREATE INDEX org_units_unit ON org_units (unit_id);
