-- +goose Up
-- 初判 of a self-built house: the national grading (无隐患 / 一般隐患 /
-- 存在倒塌风险) and the three check items of 国办发明电〔2022〕10号
-- (结构安全, 经营安全, 手续合法: ok | problem | na). '' on records judged
-- before they were kept.
ALTER TABLE housing_building ADD COLUMN hazard_level TEXT NOT NULL DEFAULT '';
ALTER TABLE housing_building ADD COLUMN check_structure TEXT NOT NULL DEFAULT '';
ALTER TABLE housing_building ADD COLUMN check_business TEXT NOT NULL DEFAULT '';
ALTER TABLE housing_building ADD COLUMN check_legal TEXT NOT NULL DEFAULT '';
-- A 无隐患 judgement is unambiguous; a hazard's grade cannot be guessed.
UPDATE housing_building SET hazard_level = 'none' WHERE judged_on <> '' AND hazard = FALSE;
CREATE INDEX housing_building_level ON housing_building (campaign_id, hazard_level, code);

-- +goose Down
DROP INDEX housing_building_level;
ALTER TABLE housing_building DROP COLUMN check_legal;
ALTER TABLE housing_building DROP COLUMN check_business;
ALTER TABLE housing_building DROP COLUMN check_structure;
ALTER TABLE housing_building DROP COLUMN hazard_level;
