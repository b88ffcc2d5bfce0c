-- A rule may watch a list of symbols (schemas/alert-rule.ts `symbols`, each symbol firing on its own) instead of
-- one symbol or *: exactly one of the two columns is set, as in the rule. Rows written before this migration
-- kept a list comma-joined in `symbol` (a symbol holds no comma); they are split here.
ALTER TABLE alert_rules ALTER COLUMN symbol DROP NOT NULL;
ALTER TABLE alert_rules ADD COLUMN symbols text[];
UPDATE alert_rules SET symbols = string_to_array(symbol, ','), symbol = NULL WHERE rule ? 'symbols';
ALTER TABLE alert_rules ADD CONSTRAINT alert_rules_symbol_or_symbols CHECK ((symbol IS NULL) <> (symbols IS NULL));
COMMENT ON COLUMN alert_rules.symbol IS 'symbol the rule watches, or * for every symbol; null when the rule names a list (symbols)';
COMMENT ON COLUMN alert_rules.symbols IS 'symbols the rule watches, each firing on its own; null when the rule names one symbol or *';
