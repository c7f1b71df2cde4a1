-- The coded eligibility K-Startup and 중소벤처24 publish (applicant kinds, business age, CEO age,
-- regions, revenue, employees, certifications), as `eligibility::StructuredFields`. Matching reads
-- it beside the announcement text; NULL for sources without coded fields.
ALTER TABLE programs ADD COLUMN eligibility_fields jsonb;
