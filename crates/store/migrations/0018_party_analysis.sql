-- 党性分析 (issue 14, 9): at the 组织生活会 and with 民主评议党员 each member gives an
-- analysis of their party spirit and the branch gives its feedback; both are kept with the
-- attendance and read back into the member's record.
ALTER TABLE meeting_attendees ADD COLUMN party_analysis TEXT;
ALTER TABLE meeting_attendees ADD COLUMN analysis_feedback TEXT;
