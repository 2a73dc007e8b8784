-- The responsibility system as data: each org's responsibility list, its annual work plans,
-- their tasks and sub-tasks (a task issued to many sub-orgs is one child task per org, each
-- with its own progress), the roadmap of each task and its progress reports.

CREATE TABLE duties (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    kind TEXT NOT NULL,
    -- The secretary or leader who carries it; NULL for the committee's primary responsibility.
    member_id BIGINT REFERENCES members (id),
    content TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX duties_org ON duties (org_id, kind, id);
CREATE INDEX duties_member ON duties (member_id);

CREATE TABLE work_plans (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    year BIGINT NOT NULL,
    title TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX uq__work_plans__org_year_title ON work_plans (org_id, year, title);

CREATE TABLE tasks (
    id {{id}},
    plan_id BIGINT NOT NULL REFERENCES work_plans (id),
    -- The task this one breaks down or was issued from.
    parent_id BIGINT REFERENCES tasks (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    person_member_id BIGINT REFERENCES members (id),
    title TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    deadline TEXT NOT NULL,
    done_on TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK (starts_on <= deadline)
);
CREATE INDEX tasks_plan ON tasks (plan_id, parent_id, id);
CREATE INDEX tasks_parent ON tasks (parent_id);
CREATE INDEX tasks_org ON tasks (org_id, done_on, deadline);
CREATE INDEX tasks_person ON tasks (person_member_id, done_on, deadline);

CREATE TABLE task_milestones (
    id {{id}},
    task_id BIGINT NOT NULL REFERENCES tasks (id),
    position BIGINT NOT NULL,
    due_on TEXT NOT NULL,
    content TEXT NOT NULL
);
CREATE INDEX task_milestones_task ON task_milestones (task_id, position);

CREATE TABLE task_reports (
    id {{id}},
    task_id BIGINT NOT NULL REFERENCES tasks (id),
    note TEXT NOT NULL,
    -- The report that finished the task.
    finished BIGINT NOT NULL,
    login TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX task_reports_task ON task_reports (task_id, id);

-- Which tasks carry out an item of a responsibility list.
CREATE TABLE duty_tasks (
    duty_id BIGINT NOT NULL REFERENCES duties (id),
    task_id BIGINT NOT NULL REFERENCES tasks (id),
    PRIMARY KEY (duty_id, task_id)
);
CREATE INDEX duty_tasks_task ON duty_tasks (task_id);
