-- 作风纪律 (issue 16): findings of 四风, 八项规定 and police-conduct problems about a member or an
-- org, how each was handled, and the sanctions (党纪处分, 政务处分) decided on members with what
-- happened to them since (a 留党察看 extended or its rights restored, a decision revoked). Only
-- the discipline roles read these rows; other areas ask the service for derived effects.
CREATE TABLE conduct_findings (
    id {{id}},
    source TEXT NOT NULL,
    -- The member the finding is about, if a member; else the org. For a member, `org_id` is
    -- their branch when it was recorded (scope follows the member's branch today).
    member_id BIGINT REFERENCES members (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    category_group TEXT NOT NULL,
    category TEXT NOT NULL,
    facts TEXT NOT NULL,
    found_on TEXT NOT NULL,
    -- NULL while it is being looked into (an open investigation of a member).
    handling TEXT,
    handled_on TEXT,
    outcome TEXT,
    four_form TEXT,
    -- The rectification inspection opened from a finding about an org (its feedback ref).
    rectification_ref TEXT,
    version BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK ((handling IS NULL) = (handled_on IS NULL)),
    CHECK (handled_on IS NULL OR found_on <= handled_on)
);
CREATE INDEX conduct_findings_org ON conduct_findings (org_id, found_on);
CREATE INDEX conduct_findings_member ON conduct_findings (member_id, handling);

CREATE TABLE conduct_sanctions (
    id {{id}},
    member_id BIGINT NOT NULL REFERENCES members (id),
    finding_id BIGINT REFERENCES conduct_findings (id),
    track TEXT NOT NULL,
    kind TEXT NOT NULL,
    decided_on TEXT NOT NULL,
    deciding_body TEXT NOT NULL,
    document_ref TEXT NOT NULL,
    probation_months BIGINT,
    extended_on TEXT,
    restored_on TEXT,
    revoked_on TEXT,
    note TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK (revoked_on IS NULL OR decided_on < revoked_on)
);
CREATE INDEX conduct_sanctions_member ON conduct_sanctions (member_id, decided_on);
CREATE UNIQUE INDEX uq__conduct_sanctions__finding ON conduct_sanctions (finding_id) WHERE finding_id IS NOT NULL;
