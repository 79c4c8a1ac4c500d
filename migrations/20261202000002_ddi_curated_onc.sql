-- LEADER Rx curated interactions, second part: the rest of the ONC high-priority list.
-- Forward-only: never edit once landed; corrections go in a later migration.
--
-- Same conventions as 20261130000002_ddi_curated.sql (read its header): source
-- 'leader-curated'; mechanism and management text written by the LEADER Rx project in its
-- own words from public clinical knowledge, nothing copied from labels or commercial
-- databases; a reference a reader can check; ATC codes without dots at the clinically right
-- level (a class row only when the whole class interacts); hierarchical matching; severity
-- contraindicated > major > moderate; each unordered pair once with code_a < code_b.
--
-- The classes follow the ONC high-priority list (Phansalkar S et al., J Am Med Inform Assoc
-- 2012;19:735-43): MAO inhibitors with serotonergic and sympathomimetic drugs, irinotecan,
-- simvastatin/lovastatin and ergot alkaloids with CYP3A4 inhibitors, HIV protease inhibitors
-- with enzyme inducers, tizanidine and ramelteon with CYP1A2 inhibitors, and QT-prolonging
-- drugs in combination (a group rule, at the end). Combinations of that list the first
-- migration already holds (atazanavir with proton pump inhibitors, MAO inhibitors with SSRIs,
-- tramadol, pethidine, triptans, dextromethorphan and decongestants, ...) are not repeated.
-- The coverage of the list is measured by crates/leader-store/tests/store/onc_coverage.rs.

INSERT INTO ddi_pairs (source, system, code_a, code_b, severity, mechanism, management, reference) VALUES

-- ---------------------------------------------------------------------------------------
-- MAO inhibitors with serotonergic or sympathomimetic drugs
-- ---------------------------------------------------------------------------------------
('leader-curated', 'ATC', 'N06AA', 'N06AF', 'contraindicated',
 'Non-selective MAO inhibitors block the breakdown of serotonin, and tricyclic antidepressants raise serotonin in the synapse; together they can cause serotonin toxicity (agitation, clonus, hyperthermia), which can be fatal.',
 'Do not combine. Allow a washout of at least 14 days after stopping the MAO inhibitor (5 weeks after fluoxetine before starting one) and choose a non-serotonergic alternative.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Boyer EW, Shannon M. N Engl J Med 2005;352:1112-20; Nardil/Parnate prescribing information'),

('leader-curated', 'ATC', 'N06AF', 'N06AX06', 'contraindicated',
 'Non-selective MAO inhibitors block the breakdown of serotonin, and nefazodone raises serotonin in the synapse; together they can cause serotonin toxicity (agitation, clonus, hyperthermia), which can be fatal.',
 'Do not combine. Allow a washout of at least 14 days after stopping the MAO inhibitor (5 weeks after fluoxetine before starting one) and choose a non-serotonergic alternative.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Boyer EW, Shannon M. N Engl J Med 2005;352:1112-20; Nardil/Parnate prescribing information'),

('leader-curated', 'ATC', 'N06AF', 'N06AX17', 'contraindicated',
 'Non-selective MAO inhibitors block the breakdown of serotonin, and milnacipran raises serotonin in the synapse; together they can cause serotonin toxicity (agitation, clonus, hyperthermia), which can be fatal.',
 'Do not combine. Allow a washout of at least 14 days after stopping the MAO inhibitor (5 weeks after fluoxetine before starting one) and choose a non-serotonergic alternative.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Boyer EW, Shannon M. N Engl J Med 2005;352:1112-20; Nardil/Parnate prescribing information'),

('leader-curated', 'ATC', 'N06AF', 'N06AX23', 'contraindicated',
 'Non-selective MAO inhibitors block the breakdown of serotonin, and desvenlafaxine raises serotonin in the synapse; together they can cause serotonin toxicity (agitation, clonus, hyperthermia), which can be fatal.',
 'Do not combine. Allow a washout of at least 14 days after stopping the MAO inhibitor (5 weeks after fluoxetine before starting one) and choose a non-serotonergic alternative.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Boyer EW, Shannon M. N Engl J Med 2005;352:1112-20; Nardil/Parnate prescribing information'),

('leader-curated', 'ATC', 'N02AB03', 'N06AF', 'major',
 'Fentanyl has serotonergic activity and non-selective MAO inhibitors stop serotonin breakdown; the combination has caused serotonin toxicity with hyperthermia, rigidity, coma and death.',
 'Prefer an opioid without serotonergic activity (e.g. morphine, oxycodone); if this one is needed, start low and watch for serotonin toxicity (clonus, agitation, fever) and for hypotension or hypertension.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Gillman PK. Br J Anaesth 2005;95:434-41; Nardil/Parnate prescribing information'),

('leader-curated', 'ATC', 'N02AX06', 'N06AF', 'contraindicated',
 'Tapentadol has serotonergic activity and non-selective MAO inhibitors stop serotonin breakdown; the combination has caused serotonin toxicity with hyperthermia, rigidity, coma and death.',
 'Do not combine; choose an opioid without serotonergic activity (e.g. morphine, oxycodone, buprenorphine) at a cautious dose, and for cough a non-serotonergic remedy.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Gillman PK. Br J Anaesth 2005;95:434-41; Nardil/Parnate prescribing information'),

('leader-curated', 'ATC', 'N06AF', 'N07BC02', 'major',
 'Methadone has serotonergic activity and non-selective MAO inhibitors stop serotonin breakdown; the combination has caused serotonin toxicity with hyperthermia, rigidity, coma and death.',
 'Prefer an opioid without serotonergic activity (e.g. morphine, oxycodone); if this one is needed, start low and watch for serotonin toxicity (clonus, agitation, fever) and for hypotension or hypertension.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Gillman PK. Br J Anaesth 2005;95:434-41; Nardil/Parnate prescribing information'),

('leader-curated', 'ATC', 'N06AF', 'N06BA01', 'contraindicated',
 'Amfetamine raises noradrenaline and dopamine at nerve endings, and non-selective MAO inhibitors leave more of them to act; the result can be a hypertensive crisis (severe headache, stroke, arrhythmia).',
 'Do not combine, and keep at least 14 days after stopping the MAO inhibitor. Treat congestion with saline or a topical steroid; choose a non-stimulant alternative.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Flockhart DA. J Clin Psychiatry 2012;73 Suppl 1:17-24; Nardil/Parnate prescribing information'),

('leader-curated', 'ATC', 'N06AF', 'N06BA02', 'contraindicated',
 'Dexamfetamine raises noradrenaline and dopamine at nerve endings, and non-selective MAO inhibitors leave more of them to act; the result can be a hypertensive crisis (severe headache, stroke, arrhythmia).',
 'Do not combine, and keep at least 14 days after stopping the MAO inhibitor. Treat congestion with saline or a topical steroid; choose a non-stimulant alternative.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Flockhart DA. J Clin Psychiatry 2012;73 Suppl 1:17-24; Nardil/Parnate prescribing information'),

('leader-curated', 'ATC', 'N06AF', 'N06BA03', 'contraindicated',
 'Metamfetamine raises noradrenaline and dopamine at nerve endings, and non-selective MAO inhibitors leave more of them to act; the result can be a hypertensive crisis (severe headache, stroke, arrhythmia).',
 'Do not combine, and keep at least 14 days after stopping the MAO inhibitor. Treat congestion with saline or a topical steroid; choose a non-stimulant alternative.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Flockhart DA. J Clin Psychiatry 2012;73 Suppl 1:17-24; Nardil/Parnate prescribing information'),

('leader-curated', 'ATC', 'N06AF', 'N06BA04', 'contraindicated',
 'Methylphenidate raises noradrenaline and dopamine at nerve endings, and non-selective MAO inhibitors leave more of them to act; the result can be a hypertensive crisis (severe headache, stroke, arrhythmia).',
 'Do not combine, and keep at least 14 days after stopping the MAO inhibitor. Treat congestion with saline or a topical steroid; choose a non-stimulant alternative.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Flockhart DA. J Clin Psychiatry 2012;73 Suppl 1:17-24; Nardil/Parnate prescribing information'),

('leader-curated', 'ATC', 'N06AF', 'N06BA09', 'contraindicated',
 'Atomoxetine raises noradrenaline and dopamine at nerve endings, and non-selective MAO inhibitors leave more of them to act; the result can be a hypertensive crisis (severe headache, stroke, arrhythmia).',
 'Do not combine, and keep at least 14 days after stopping the MAO inhibitor. Treat congestion with saline or a topical steroid; choose a non-stimulant alternative.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Flockhart DA. J Clin Psychiatry 2012;73 Suppl 1:17-24; Nardil/Parnate prescribing information'),

('leader-curated', 'ATC', 'N06AF', 'N06BA11', 'contraindicated',
 'Dexmethylphenidate raises noradrenaline and dopamine at nerve endings, and non-selective MAO inhibitors leave more of them to act; the result can be a hypertensive crisis (severe headache, stroke, arrhythmia).',
 'Do not combine, and keep at least 14 days after stopping the MAO inhibitor. Treat congestion with saline or a topical steroid; choose a non-stimulant alternative.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Flockhart DA. J Clin Psychiatry 2012;73 Suppl 1:17-24; Nardil/Parnate prescribing information'),

('leader-curated', 'ATC', 'A08AA', 'N06AF', 'contraindicated',
 'Centrally acting appetite suppressants (phentermine, amfepramone) raise noradrenaline and dopamine at nerve endings, and non-selective MAO inhibitors leave more of them to act; the result can be a hypertensive crisis (severe headache, stroke, arrhythmia).',
 'Do not combine, and keep at least 14 days after stopping the MAO inhibitor. Treat congestion with saline or a topical steroid; choose a non-stimulant alternative.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Flockhart DA. J Clin Psychiatry 2012;73 Suppl 1:17-24; Nardil/Parnate prescribing information'),

('leader-curated', 'ATC', 'N04BD', 'N06AA', 'major',
 'MAO-B inhibitors block the breakdown of serotonin, and tricyclic antidepressants raise serotonin in the synapse; together they can cause serotonin toxicity (agitation, clonus, hyperthermia), which can be fatal.',
 'Avoid the combination; if both are considered essential, use the lowest doses under specialist advice and watch for tremor, clonus, agitation and fever. Respect the washout when switching.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Boyer EW, Shannon M. N Engl J Med 2005;352:1112-20; Azilect and Zelapar prescribing information'),

('leader-curated', 'ATC', 'N04BD', 'N06AB', 'major',
 'MAO-B inhibitors block the breakdown of serotonin, and SSRIs raise serotonin in the synapse; together they can cause serotonin toxicity (agitation, clonus, hyperthermia), which can be fatal.',
 'Avoid the combination; if both are considered essential, use the lowest doses under specialist advice and watch for tremor, clonus, agitation and fever. Respect the washout when switching.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Boyer EW, Shannon M. N Engl J Med 2005;352:1112-20; Azilect and Zelapar prescribing information'),

('leader-curated', 'ATC', 'N04BD', 'N06AX06', 'major',
 'MAO-B inhibitors block the breakdown of serotonin, and nefazodone raises serotonin in the synapse; together they can cause serotonin toxicity (agitation, clonus, hyperthermia), which can be fatal.',
 'Avoid the combination; if both are considered essential, use the lowest doses under specialist advice and watch for tremor, clonus, agitation and fever. Respect the washout when switching.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Boyer EW, Shannon M. N Engl J Med 2005;352:1112-20; Azilect and Zelapar prescribing information'),

('leader-curated', 'ATC', 'N04BD', 'N06AX16', 'major',
 'MAO-B inhibitors block the breakdown of serotonin, and venlafaxine raises serotonin in the synapse; together they can cause serotonin toxicity (agitation, clonus, hyperthermia), which can be fatal.',
 'Avoid the combination; if both are considered essential, use the lowest doses under specialist advice and watch for tremor, clonus, agitation and fever. Respect the washout when switching.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Boyer EW, Shannon M. N Engl J Med 2005;352:1112-20; Azilect and Zelapar prescribing information'),

('leader-curated', 'ATC', 'N04BD', 'N06AX17', 'major',
 'MAO-B inhibitors block the breakdown of serotonin, and milnacipran raises serotonin in the synapse; together they can cause serotonin toxicity (agitation, clonus, hyperthermia), which can be fatal.',
 'Avoid the combination; if both are considered essential, use the lowest doses under specialist advice and watch for tremor, clonus, agitation and fever. Respect the washout when switching.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Boyer EW, Shannon M. N Engl J Med 2005;352:1112-20; Azilect and Zelapar prescribing information'),

('leader-curated', 'ATC', 'N04BD', 'N06AX21', 'major',
 'MAO-B inhibitors block the breakdown of serotonin, and duloxetine raises serotonin in the synapse; together they can cause serotonin toxicity (agitation, clonus, hyperthermia), which can be fatal.',
 'Avoid the combination; if both are considered essential, use the lowest doses under specialist advice and watch for tremor, clonus, agitation and fever. Respect the washout when switching.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Boyer EW, Shannon M. N Engl J Med 2005;352:1112-20; Azilect and Zelapar prescribing information'),

('leader-curated', 'ATC', 'N04BD', 'N06AX23', 'major',
 'MAO-B inhibitors block the breakdown of serotonin, and desvenlafaxine raises serotonin in the synapse; together they can cause serotonin toxicity (agitation, clonus, hyperthermia), which can be fatal.',
 'Avoid the combination; if both are considered essential, use the lowest doses under specialist advice and watch for tremor, clonus, agitation and fever. Respect the washout when switching.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Boyer EW, Shannon M. N Engl J Med 2005;352:1112-20; Azilect and Zelapar prescribing information'),

('leader-curated', 'ATC', 'N02AB02', 'N04BD', 'contraindicated',
 'Pethidine has serotonergic activity and MAO-B inhibitors stop serotonin breakdown; the combination has caused serotonin toxicity with hyperthermia, rigidity, coma and death.',
 'Do not combine; choose an opioid without serotonergic activity (e.g. morphine, oxycodone, buprenorphine) at a cautious dose, and for cough a non-serotonergic remedy.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Gillman PK. Br J Anaesth 2005;95:434-41; Azilect and Zelapar prescribing information'),

('leader-curated', 'ATC', 'N02AB03', 'N04BD', 'major',
 'Fentanyl has serotonergic activity and MAO-B inhibitors stop serotonin breakdown; the combination has caused serotonin toxicity with hyperthermia, rigidity, coma and death.',
 'Prefer an opioid without serotonergic activity (e.g. morphine, oxycodone); if this one is needed, start low and watch for serotonin toxicity (clonus, agitation, fever) and for hypotension or hypertension.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Gillman PK. Br J Anaesth 2005;95:434-41; Azilect and Zelapar prescribing information'),

('leader-curated', 'ATC', 'N02AX02', 'N04BD', 'contraindicated',
 'Tramadol has serotonergic activity and MAO-B inhibitors stop serotonin breakdown; the combination has caused serotonin toxicity with hyperthermia, rigidity, coma and death.',
 'Do not combine; choose an opioid without serotonergic activity (e.g. morphine, oxycodone, buprenorphine) at a cautious dose, and for cough a non-serotonergic remedy.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Gillman PK. Br J Anaesth 2005;95:434-41; Azilect and Zelapar prescribing information'),

('leader-curated', 'ATC', 'N02AX06', 'N04BD', 'major',
 'Tapentadol has serotonergic activity and MAO-B inhibitors stop serotonin breakdown; the combination has caused serotonin toxicity with hyperthermia, rigidity, coma and death.',
 'Prefer an opioid without serotonergic activity (e.g. morphine, oxycodone); if this one is needed, start low and watch for serotonin toxicity (clonus, agitation, fever) and for hypotension or hypertension.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Gillman PK. Br J Anaesth 2005;95:434-41; Azilect and Zelapar prescribing information'),

('leader-curated', 'ATC', 'N04BD', 'N07BC02', 'contraindicated',
 'Methadone has serotonergic activity and MAO-B inhibitors stop serotonin breakdown; the combination has caused serotonin toxicity with hyperthermia, rigidity, coma and death.',
 'Do not combine; choose an opioid without serotonergic activity (e.g. morphine, oxycodone, buprenorphine) at a cautious dose, and for cough a non-serotonergic remedy.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Gillman PK. Br J Anaesth 2005;95:434-41; Azilect and Zelapar prescribing information'),

('leader-curated', 'ATC', 'N04BD', 'R05DA09', 'contraindicated',
 'Dextromethorphan has serotonergic activity and MAO-B inhibitors stop serotonin breakdown; the combination has caused serotonin toxicity with hyperthermia, rigidity, coma and death.',
 'Do not combine; choose an opioid without serotonergic activity (e.g. morphine, oxycodone, buprenorphine) at a cautious dose, and for cough a non-serotonergic remedy.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Gillman PK. Br J Anaesth 2005;95:434-41; Azilect and Zelapar prescribing information'),

('leader-curated', 'ATC', 'N04BD', 'N06BA01', 'major',
 'Amfetamine raises noradrenaline and dopamine at nerve endings, and MAO-B inhibitors leave more of them to act; the result can be a hypertensive crisis (severe headache, stroke, arrhythmia).',
 'Avoid the combination; if it cannot be avoided, use the lowest dose and check blood pressure closely, stopping at once for severe headache or a hypertensive reading.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Flockhart DA. J Clin Psychiatry 2012;73 Suppl 1:17-24; Azilect and Zelapar prescribing information'),

('leader-curated', 'ATC', 'N04BD', 'N06BA02', 'major',
 'Dexamfetamine raises noradrenaline and dopamine at nerve endings, and MAO-B inhibitors leave more of them to act; the result can be a hypertensive crisis (severe headache, stroke, arrhythmia).',
 'Avoid the combination; if it cannot be avoided, use the lowest dose and check blood pressure closely, stopping at once for severe headache or a hypertensive reading.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Flockhart DA. J Clin Psychiatry 2012;73 Suppl 1:17-24; Azilect and Zelapar prescribing information'),

('leader-curated', 'ATC', 'N04BD', 'N06BA03', 'major',
 'Metamfetamine raises noradrenaline and dopamine at nerve endings, and MAO-B inhibitors leave more of them to act; the result can be a hypertensive crisis (severe headache, stroke, arrhythmia).',
 'Avoid the combination; if it cannot be avoided, use the lowest dose and check blood pressure closely, stopping at once for severe headache or a hypertensive reading.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Flockhart DA. J Clin Psychiatry 2012;73 Suppl 1:17-24; Azilect and Zelapar prescribing information'),

('leader-curated', 'ATC', 'N04BD', 'N06BA04', 'major',
 'Methylphenidate raises noradrenaline and dopamine at nerve endings, and MAO-B inhibitors leave more of them to act; the result can be a hypertensive crisis (severe headache, stroke, arrhythmia).',
 'Avoid the combination; if it cannot be avoided, use the lowest dose and check blood pressure closely, stopping at once for severe headache or a hypertensive reading.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Flockhart DA. J Clin Psychiatry 2012;73 Suppl 1:17-24; Azilect and Zelapar prescribing information'),

('leader-curated', 'ATC', 'N04BD', 'N06BA09', 'major',
 'Atomoxetine raises noradrenaline and dopamine at nerve endings, and MAO-B inhibitors leave more of them to act; the result can be a hypertensive crisis (severe headache, stroke, arrhythmia).',
 'Avoid the combination; if it cannot be avoided, use the lowest dose and check blood pressure closely, stopping at once for severe headache or a hypertensive reading.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Flockhart DA. J Clin Psychiatry 2012;73 Suppl 1:17-24; Azilect and Zelapar prescribing information'),

('leader-curated', 'ATC', 'N04BD', 'N06BA11', 'major',
 'Dexmethylphenidate raises noradrenaline and dopamine at nerve endings, and MAO-B inhibitors leave more of them to act; the result can be a hypertensive crisis (severe headache, stroke, arrhythmia).',
 'Avoid the combination; if it cannot be avoided, use the lowest dose and check blood pressure closely, stopping at once for severe headache or a hypertensive reading.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Flockhart DA. J Clin Psychiatry 2012;73 Suppl 1:17-24; Azilect and Zelapar prescribing information'),

('leader-curated', 'ATC', 'A08AA', 'N04BD', 'major',
 'Centrally acting appetite suppressants (phentermine, amfepramone) raise noradrenaline and dopamine at nerve endings, and MAO-B inhibitors leave more of them to act; the result can be a hypertensive crisis (severe headache, stroke, arrhythmia).',
 'Avoid the combination; if it cannot be avoided, use the lowest dose and check blood pressure closely, stopping at once for severe headache or a hypertensive reading.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Flockhart DA. J Clin Psychiatry 2012;73 Suppl 1:17-24; Azilect and Zelapar prescribing information'),

('leader-curated', 'ATC', 'N04BD', 'R01BA', 'major',
 'Decongestant sympathomimetics (pseudoephedrine, phenylephrine) raise noradrenaline and dopamine at nerve endings, and MAO-B inhibitors leave more of them to act; the result can be a hypertensive crisis (severe headache, stroke, arrhythmia).',
 'Avoid the combination; if it cannot be avoided, use the lowest dose and check blood pressure closely, stopping at once for severe headache or a hypertensive reading.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Flockhart DA. J Clin Psychiatry 2012;73 Suppl 1:17-24; Azilect and Zelapar prescribing information'),

('leader-curated', 'ATC', 'L01XB01', 'N06AA', 'major',
 'Procarbazine (a weak MAO inhibitor) blocks the breakdown of serotonin, and tricyclic antidepressants raise serotonin in the synapse; together they can cause serotonin toxicity (agitation, clonus, hyperthermia), which can be fatal.',
 'Avoid the combination; if both are considered essential, use the lowest doses under specialist advice and watch for tremor, clonus, agitation and fever. Respect the washout when switching.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Boyer EW, Shannon M. N Engl J Med 2005;352:1112-20; Matulane prescribing information'),

('leader-curated', 'ATC', 'L01XB01', 'N06AB', 'major',
 'Procarbazine (a weak MAO inhibitor) blocks the breakdown of serotonin, and SSRIs raise serotonin in the synapse; together they can cause serotonin toxicity (agitation, clonus, hyperthermia), which can be fatal.',
 'Avoid the combination; if both are considered essential, use the lowest doses under specialist advice and watch for tremor, clonus, agitation and fever. Respect the washout when switching.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Boyer EW, Shannon M. N Engl J Med 2005;352:1112-20; Matulane prescribing information'),

('leader-curated', 'ATC', 'L01XB01', 'N06AX06', 'major',
 'Procarbazine (a weak MAO inhibitor) blocks the breakdown of serotonin, and nefazodone raises serotonin in the synapse; together they can cause serotonin toxicity (agitation, clonus, hyperthermia), which can be fatal.',
 'Avoid the combination; if both are considered essential, use the lowest doses under specialist advice and watch for tremor, clonus, agitation and fever. Respect the washout when switching.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Boyer EW, Shannon M. N Engl J Med 2005;352:1112-20; Matulane prescribing information'),

('leader-curated', 'ATC', 'L01XB01', 'N06AX16', 'major',
 'Procarbazine (a weak MAO inhibitor) blocks the breakdown of serotonin, and venlafaxine raises serotonin in the synapse; together they can cause serotonin toxicity (agitation, clonus, hyperthermia), which can be fatal.',
 'Avoid the combination; if both are considered essential, use the lowest doses under specialist advice and watch for tremor, clonus, agitation and fever. Respect the washout when switching.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Boyer EW, Shannon M. N Engl J Med 2005;352:1112-20; Matulane prescribing information'),

('leader-curated', 'ATC', 'L01XB01', 'N06AX17', 'major',
 'Procarbazine (a weak MAO inhibitor) blocks the breakdown of serotonin, and milnacipran raises serotonin in the synapse; together they can cause serotonin toxicity (agitation, clonus, hyperthermia), which can be fatal.',
 'Avoid the combination; if both are considered essential, use the lowest doses under specialist advice and watch for tremor, clonus, agitation and fever. Respect the washout when switching.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Boyer EW, Shannon M. N Engl J Med 2005;352:1112-20; Matulane prescribing information'),

('leader-curated', 'ATC', 'L01XB01', 'N06AX21', 'major',
 'Procarbazine (a weak MAO inhibitor) blocks the breakdown of serotonin, and duloxetine raises serotonin in the synapse; together they can cause serotonin toxicity (agitation, clonus, hyperthermia), which can be fatal.',
 'Avoid the combination; if both are considered essential, use the lowest doses under specialist advice and watch for tremor, clonus, agitation and fever. Respect the washout when switching.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Boyer EW, Shannon M. N Engl J Med 2005;352:1112-20; Matulane prescribing information'),

('leader-curated', 'ATC', 'L01XB01', 'N06AX23', 'major',
 'Procarbazine (a weak MAO inhibitor) blocks the breakdown of serotonin, and desvenlafaxine raises serotonin in the synapse; together they can cause serotonin toxicity (agitation, clonus, hyperthermia), which can be fatal.',
 'Avoid the combination; if both are considered essential, use the lowest doses under specialist advice and watch for tremor, clonus, agitation and fever. Respect the washout when switching.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Boyer EW, Shannon M. N Engl J Med 2005;352:1112-20; Matulane prescribing information'),

('leader-curated', 'ATC', 'L01XB01', 'N02AB02', 'major',
 'Pethidine has serotonergic activity and procarbazine (a weak MAO inhibitor) stops serotonin breakdown; the combination has caused serotonin toxicity with hyperthermia, rigidity, coma and death.',
 'Prefer an opioid without serotonergic activity (e.g. morphine, oxycodone); if this one is needed, start low and watch for serotonin toxicity (clonus, agitation, fever) and for hypotension or hypertension.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Gillman PK. Br J Anaesth 2005;95:434-41; Matulane prescribing information'),

('leader-curated', 'ATC', 'L01XB01', 'N02AB03', 'major',
 'Fentanyl has serotonergic activity and procarbazine (a weak MAO inhibitor) stops serotonin breakdown; the combination has caused serotonin toxicity with hyperthermia, rigidity, coma and death.',
 'Prefer an opioid without serotonergic activity (e.g. morphine, oxycodone); if this one is needed, start low and watch for serotonin toxicity (clonus, agitation, fever) and for hypotension or hypertension.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Gillman PK. Br J Anaesth 2005;95:434-41; Matulane prescribing information'),

('leader-curated', 'ATC', 'L01XB01', 'N02AX02', 'major',
 'Tramadol has serotonergic activity and procarbazine (a weak MAO inhibitor) stops serotonin breakdown; the combination has caused serotonin toxicity with hyperthermia, rigidity, coma and death.',
 'Prefer an opioid without serotonergic activity (e.g. morphine, oxycodone); if this one is needed, start low and watch for serotonin toxicity (clonus, agitation, fever) and for hypotension or hypertension.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Gillman PK. Br J Anaesth 2005;95:434-41; Matulane prescribing information'),

('leader-curated', 'ATC', 'L01XB01', 'N02AX06', 'major',
 'Tapentadol has serotonergic activity and procarbazine (a weak MAO inhibitor) stops serotonin breakdown; the combination has caused serotonin toxicity with hyperthermia, rigidity, coma and death.',
 'Prefer an opioid without serotonergic activity (e.g. morphine, oxycodone); if this one is needed, start low and watch for serotonin toxicity (clonus, agitation, fever) and for hypotension or hypertension.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Gillman PK. Br J Anaesth 2005;95:434-41; Matulane prescribing information'),

('leader-curated', 'ATC', 'L01XB01', 'N07BC02', 'major',
 'Methadone has serotonergic activity and procarbazine (a weak MAO inhibitor) stops serotonin breakdown; the combination has caused serotonin toxicity with hyperthermia, rigidity, coma and death.',
 'Prefer an opioid without serotonergic activity (e.g. morphine, oxycodone); if this one is needed, start low and watch for serotonin toxicity (clonus, agitation, fever) and for hypotension or hypertension.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Gillman PK. Br J Anaesth 2005;95:434-41; Matulane prescribing information'),

('leader-curated', 'ATC', 'L01XB01', 'R05DA09', 'major',
 'Dextromethorphan has serotonergic activity and procarbazine (a weak MAO inhibitor) stops serotonin breakdown; the combination has caused serotonin toxicity with hyperthermia, rigidity, coma and death.',
 'Prefer an opioid without serotonergic activity (e.g. morphine, oxycodone); if this one is needed, start low and watch for serotonin toxicity (clonus, agitation, fever) and for hypotension or hypertension.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Gillman PK. Br J Anaesth 2005;95:434-41; Matulane prescribing information'),

('leader-curated', 'ATC', 'L01XB01', 'N06BA01', 'major',
 'Amfetamine raises noradrenaline and dopamine at nerve endings, and procarbazine (a weak MAO inhibitor) leaves more of them to act; the result can be a hypertensive crisis (severe headache, stroke, arrhythmia).',
 'Avoid the combination; if it cannot be avoided, use the lowest dose and check blood pressure closely, stopping at once for severe headache or a hypertensive reading.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Flockhart DA. J Clin Psychiatry 2012;73 Suppl 1:17-24; Matulane prescribing information'),

('leader-curated', 'ATC', 'L01XB01', 'N06BA02', 'major',
 'Dexamfetamine raises noradrenaline and dopamine at nerve endings, and procarbazine (a weak MAO inhibitor) leaves more of them to act; the result can be a hypertensive crisis (severe headache, stroke, arrhythmia).',
 'Avoid the combination; if it cannot be avoided, use the lowest dose and check blood pressure closely, stopping at once for severe headache or a hypertensive reading.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Flockhart DA. J Clin Psychiatry 2012;73 Suppl 1:17-24; Matulane prescribing information'),

('leader-curated', 'ATC', 'L01XB01', 'N06BA03', 'major',
 'Metamfetamine raises noradrenaline and dopamine at nerve endings, and procarbazine (a weak MAO inhibitor) leaves more of them to act; the result can be a hypertensive crisis (severe headache, stroke, arrhythmia).',
 'Avoid the combination; if it cannot be avoided, use the lowest dose and check blood pressure closely, stopping at once for severe headache or a hypertensive reading.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Flockhart DA. J Clin Psychiatry 2012;73 Suppl 1:17-24; Matulane prescribing information'),

('leader-curated', 'ATC', 'L01XB01', 'N06BA04', 'major',
 'Methylphenidate raises noradrenaline and dopamine at nerve endings, and procarbazine (a weak MAO inhibitor) leaves more of them to act; the result can be a hypertensive crisis (severe headache, stroke, arrhythmia).',
 'Avoid the combination; if it cannot be avoided, use the lowest dose and check blood pressure closely, stopping at once for severe headache or a hypertensive reading.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Flockhart DA. J Clin Psychiatry 2012;73 Suppl 1:17-24; Matulane prescribing information'),

('leader-curated', 'ATC', 'L01XB01', 'N06BA09', 'major',
 'Atomoxetine raises noradrenaline and dopamine at nerve endings, and procarbazine (a weak MAO inhibitor) leaves more of them to act; the result can be a hypertensive crisis (severe headache, stroke, arrhythmia).',
 'Avoid the combination; if it cannot be avoided, use the lowest dose and check blood pressure closely, stopping at once for severe headache or a hypertensive reading.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Flockhart DA. J Clin Psychiatry 2012;73 Suppl 1:17-24; Matulane prescribing information'),

('leader-curated', 'ATC', 'L01XB01', 'N06BA11', 'major',
 'Dexmethylphenidate raises noradrenaline and dopamine at nerve endings, and procarbazine (a weak MAO inhibitor) leaves more of them to act; the result can be a hypertensive crisis (severe headache, stroke, arrhythmia).',
 'Avoid the combination; if it cannot be avoided, use the lowest dose and check blood pressure closely, stopping at once for severe headache or a hypertensive reading.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Flockhart DA. J Clin Psychiatry 2012;73 Suppl 1:17-24; Matulane prescribing information'),

('leader-curated', 'ATC', 'A08AA', 'L01XB01', 'major',
 'Centrally acting appetite suppressants (phentermine, amfepramone) raise noradrenaline and dopamine at nerve endings, and procarbazine (a weak MAO inhibitor) leaves more of them to act; the result can be a hypertensive crisis (severe headache, stroke, arrhythmia).',
 'Avoid the combination; if it cannot be avoided, use the lowest dose and check blood pressure closely, stopping at once for severe headache or a hypertensive reading.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Flockhart DA. J Clin Psychiatry 2012;73 Suppl 1:17-24; Matulane prescribing information'),

('leader-curated', 'ATC', 'L01XB01', 'R01BA', 'major',
 'Decongestant sympathomimetics (pseudoephedrine, phenylephrine) raise noradrenaline and dopamine at nerve endings, and procarbazine (a weak MAO inhibitor) leaves more of them to act; the result can be a hypertensive crisis (severe headache, stroke, arrhythmia).',
 'Avoid the combination; if it cannot be avoided, use the lowest dose and check blood pressure closely, stopping at once for severe headache or a hypertensive reading.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Flockhart DA. J Clin Psychiatry 2012;73 Suppl 1:17-24; Matulane prescribing information'),

('leader-curated', 'ATC', 'N04BD', 'N06AF', 'contraindicated',
 'Two MAO inhibitors together remove the selectivity that makes MAO-B inhibitors tolerable, so dietary tyramine and sympathomimetics can cause a hypertensive crisis, and serotonin toxicity becomes possible.',
 'Do not combine; allow at least 14 days between stopping one MAO inhibitor and starting another.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Azilect prescribing information'),

('leader-curated', 'ATC', 'L01XB01', 'N06AF', 'major',
 'Procarbazine itself weakly inhibits MAO; added to a non-selective MAO inhibitor, the inhibition deepens, with risk of hypertensive crisis and serotonin toxicity.',
 'Avoid the combination; plan procarbazine cycles with the psychiatrist, allowing the MAO inhibitor washout of at least 14 days where possible.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Matulane prescribing information'),


-- ---------------------------------------------------------------------------------------
-- Irinotecan with CYP3A4 (and UGT1A1) inhibitors
-- ---------------------------------------------------------------------------------------
('leader-curated', 'ATC', 'J02AB02', 'L01CE02', 'major',
 'Irinotecan is cleared partly by CYP3A4; ketoconazole strongly inhibits it, shifting metabolism towards the active metabolite SN-38 and raising the risk of severe neutropenia and diarrhoea.',
 'Stop the inhibitor at least a week before irinotecan where possible and choose a non-interacting alternative; if the combination cannot be avoided, involve oncology, consider a lower irinotecan dose and monitor blood counts and diarrhoea closely.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Camptosar prescribing information; Kehrer DF et al. Clin Cancer Res 2002;8:3327-33'),

('leader-curated', 'ATC', 'J02AC', 'L01CE02', 'major',
 'Irinotecan is cleared partly by CYP3A4; triazole antifungals inhibit it (itraconazole, posaconazole and voriconazole strongly, fluconazole moderately), shifting metabolism towards the active metabolite SN-38 and raising the risk of severe neutropenia and diarrhoea.',
 'Stop the inhibitor at least a week before irinotecan where possible and choose a non-interacting alternative; if the combination cannot be avoided, involve oncology, consider a lower irinotecan dose and monitor blood counts and diarrhoea closely.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Camptosar prescribing information; Kehrer DF et al. Clin Cancer Res 2002;8:3327-33'),

('leader-curated', 'ATC', 'J01FA09', 'L01CE02', 'major',
 'Irinotecan is cleared partly by CYP3A4; clarithromycin strongly inhibits it, shifting metabolism towards the active metabolite SN-38 and raising the risk of severe neutropenia and diarrhoea.',
 'Stop the inhibitor at least a week before irinotecan where possible and choose a non-interacting alternative; if the combination cannot be avoided, involve oncology, consider a lower irinotecan dose and monitor blood counts and diarrhoea closely.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Camptosar prescribing information; Kehrer DF et al. Clin Cancer Res 2002;8:3327-33'),

('leader-curated', 'ATC', 'J01FA15', 'L01CE02', 'major',
 'Irinotecan is cleared partly by CYP3A4; telithromycin strongly inhibits it, shifting metabolism towards the active metabolite SN-38 and raising the risk of severe neutropenia and diarrhoea.',
 'Stop the inhibitor at least a week before irinotecan where possible and choose a non-interacting alternative; if the combination cannot be avoided, involve oncology, consider a lower irinotecan dose and monitor blood counts and diarrhoea closely.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Camptosar prescribing information; Kehrer DF et al. Clin Cancer Res 2002;8:3327-33'),

('leader-curated', 'ATC', 'J01FA01', 'L01CE02', 'moderate',
 'Erythromycin inhibits CYP3A4, so more irinotecan is converted to the active metabolite SN-38, with more neutropenia and diarrhoea.',
 'Prefer an alternative during irinotecan cycles; if used, tell the oncology team and monitor blood counts and diarrhoea.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Camptosar prescribing information'),

('leader-curated', 'ATC', 'J05AE', 'L01CE02', 'major',
 'Irinotecan is cleared partly by CYP3A4; HIV protease inhibitors strongly inhibit it, shifting metabolism towards the active metabolite SN-38 and raising the risk of severe neutropenia and diarrhoea. Atazanavir and indinavir also block UGT1A1, which inactivates SN-38.',
 'Stop the inhibitor at least a week before irinotecan where possible and choose a non-interacting alternative; if the combination cannot be avoided, involve oncology, consider a lower irinotecan dose and monitor blood counts and diarrhoea closely.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Camptosar prescribing information; Kehrer DF et al. Clin Cancer Res 2002;8:3327-33'),

('leader-curated', 'ATC', 'L01CE02', 'N06AX06', 'major',
 'Irinotecan is cleared partly by CYP3A4; nefazodone strongly inhibits it, shifting metabolism towards the active metabolite SN-38 and raising the risk of severe neutropenia and diarrhoea.',
 'Stop the inhibitor at least a week before irinotecan where possible and choose a non-interacting alternative; if the combination cannot be avoided, involve oncology, consider a lower irinotecan dose and monitor blood counts and diarrhoea closely.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Camptosar prescribing information; Kehrer DF et al. Clin Cancer Res 2002;8:3327-33'),

('leader-curated', 'ATC', 'C08DB01', 'L01CE02', 'moderate',
 'Diltiazem inhibits CYP3A4, so more irinotecan is converted to the active metabolite SN-38, with more neutropenia and diarrhoea.',
 'Prefer an alternative during irinotecan cycles; if used, tell the oncology team and monitor blood counts and diarrhoea.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Camptosar prescribing information'),

('leader-curated', 'ATC', 'C08DA01', 'L01CE02', 'moderate',
 'Verapamil inhibits CYP3A4, so more irinotecan is converted to the active metabolite SN-38, with more neutropenia and diarrhoea.',
 'Prefer an alternative during irinotecan cycles; if used, tell the oncology team and monitor blood counts and diarrhoea.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Camptosar prescribing information'),

('leader-curated', 'ATC', 'C01BD01', 'L01CE02', 'moderate',
 'Amiodarone inhibits CYP3A4, so more irinotecan is converted to the active metabolite SN-38, with more neutropenia and diarrhoea.',
 'Prefer an alternative during irinotecan cycles; if used, tell the oncology team and monitor blood counts and diarrhoea.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Camptosar prescribing information'),

('leader-curated', 'ATC', 'A02BA01', 'L01CE02', 'moderate',
 'Cimetidine inhibits CYP3A4, so more irinotecan is converted to the active metabolite SN-38, with more neutropenia and diarrhoea.',
 'Prefer an alternative during irinotecan cycles; if used, tell the oncology team and monitor blood counts and diarrhoea.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Camptosar prescribing information'),

('leader-curated', 'ATC', 'A04AD12', 'L01CE02', 'moderate',
 'Aprepitant inhibits CYP3A4, so more irinotecan is converted to the active metabolite SN-38, with more neutropenia and diarrhoea.',
 'Prefer an alternative during irinotecan cycles; if used, tell the oncology team and monitor blood counts and diarrhoea.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Camptosar prescribing information'),


-- ---------------------------------------------------------------------------------------
-- Simvastatin and lovastatin with CYP3A4 inhibitors
-- ---------------------------------------------------------------------------------------
('leader-curated', 'ATC', 'C10AA01', 'J05AE', 'contraindicated',
 'Simvastatin depends almost entirely on CYP3A4 for its first-pass clearance; HIV protease inhibitors block CYP3A4 and raise statin exposure many-fold, causing myopathy and rhabdomyolysis.',
 'Do not combine: withhold simvastatin for the course, or switch to a statin not cleared by CYP3A4 (pravastatin, rosuvastatin).',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Zocor prescribing information; FDA Drug Safety Communication, 8 June 2011 (simvastatin dose limits)'),

('leader-curated', 'ATC', 'C10AA01', 'J01FA01', 'contraindicated',
 'Simvastatin depends almost entirely on CYP3A4 for its first-pass clearance; erythromycin blocks CYP3A4 and raises statin exposure many-fold, causing myopathy and rhabdomyolysis.',
 'Do not combine: withhold simvastatin for the course, or switch to a statin not cleared by CYP3A4 (pravastatin, rosuvastatin).',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Zocor prescribing information; FDA Drug Safety Communication, 8 June 2011 (simvastatin dose limits)'),

('leader-curated', 'ATC', 'C10AA01', 'J01FA15', 'contraindicated',
 'Simvastatin depends almost entirely on CYP3A4 for its first-pass clearance; telithromycin blocks CYP3A4 and raises statin exposure many-fold, causing myopathy and rhabdomyolysis.',
 'Do not combine: withhold simvastatin for the course, or switch to a statin not cleared by CYP3A4 (pravastatin, rosuvastatin).',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Zocor prescribing information; FDA Drug Safety Communication, 8 June 2011 (simvastatin dose limits)'),

('leader-curated', 'ATC', 'C10AA01', 'J02AC', 'major',
 'Triazole antifungals inhibit CYP3A4 (itraconazole, posaconazole and voriconazole strongly, fluconazole moderately), raising simvastatin exposure and the risk of myopathy.',
 'Withhold simvastatin during the antifungal course or switch to pravastatin or rosuvastatin; if continued with fluconazole, use a low dose and ask about muscle pain.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Zocor prescribing information'),

('leader-curated', 'ATC', 'C10AA01', 'N06AX06', 'contraindicated',
 'Simvastatin depends almost entirely on CYP3A4 for its first-pass clearance; nefazodone blocks CYP3A4 and raises statin exposure many-fold, causing myopathy and rhabdomyolysis.',
 'Do not combine: withhold simvastatin for the course, or switch to a statin not cleared by CYP3A4 (pravastatin, rosuvastatin).',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Zocor prescribing information; FDA Drug Safety Communication, 8 June 2011 (simvastatin dose limits)'),

('leader-curated', 'ATC', 'C10AA02', 'J05AE', 'contraindicated',
 'Lovastatin depends almost entirely on CYP3A4 for its first-pass clearance; HIV protease inhibitors block CYP3A4 and raise statin exposure many-fold, causing myopathy and rhabdomyolysis.',
 'Do not combine: withhold lovastatin for the course, or switch to a statin not cleared by CYP3A4 (pravastatin, rosuvastatin).',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Mevacor prescribing information; FDA Drug Safety Communication, 8 June 2011 (simvastatin dose limits)'),

('leader-curated', 'ATC', 'C10AA02', 'J01FA01', 'contraindicated',
 'Lovastatin depends almost entirely on CYP3A4 for its first-pass clearance; erythromycin blocks CYP3A4 and raises statin exposure many-fold, causing myopathy and rhabdomyolysis.',
 'Do not combine: withhold lovastatin for the course, or switch to a statin not cleared by CYP3A4 (pravastatin, rosuvastatin).',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Mevacor prescribing information; FDA Drug Safety Communication, 8 June 2011 (simvastatin dose limits)'),

('leader-curated', 'ATC', 'C10AA02', 'J01FA15', 'contraindicated',
 'Lovastatin depends almost entirely on CYP3A4 for its first-pass clearance; telithromycin blocks CYP3A4 and raises statin exposure many-fold, causing myopathy and rhabdomyolysis.',
 'Do not combine: withhold lovastatin for the course, or switch to a statin not cleared by CYP3A4 (pravastatin, rosuvastatin).',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Mevacor prescribing information; FDA Drug Safety Communication, 8 June 2011 (simvastatin dose limits)'),

('leader-curated', 'ATC', 'C10AA02', 'J02AB02', 'contraindicated',
 'Lovastatin depends almost entirely on CYP3A4 for its first-pass clearance; ketoconazole blocks CYP3A4 and raises statin exposure many-fold, causing myopathy and rhabdomyolysis.',
 'Do not combine: withhold lovastatin for the course, or switch to a statin not cleared by CYP3A4 (pravastatin, rosuvastatin).',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Mevacor prescribing information; FDA Drug Safety Communication, 8 June 2011 (simvastatin dose limits)'),

('leader-curated', 'ATC', 'C10AA02', 'J02AC', 'major',
 'Triazole antifungals inhibit CYP3A4 (itraconazole, posaconazole and voriconazole strongly, fluconazole moderately), raising lovastatin exposure and the risk of myopathy.',
 'Withhold lovastatin during the antifungal course or switch to pravastatin or rosuvastatin; if continued with fluconazole, use a low dose and ask about muscle pain.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Mevacor prescribing information'),

('leader-curated', 'ATC', 'C10AA02', 'N06AX06', 'contraindicated',
 'Lovastatin depends almost entirely on CYP3A4 for its first-pass clearance; nefazodone blocks CYP3A4 and raises statin exposure many-fold, causing myopathy and rhabdomyolysis.',
 'Do not combine: withhold lovastatin for the course, or switch to a statin not cleared by CYP3A4 (pravastatin, rosuvastatin).',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Mevacor prescribing information; FDA Drug Safety Communication, 8 June 2011 (simvastatin dose limits)'),

('leader-curated', 'ATC', 'C01BD01', 'C10AA02', 'moderate',
 'Amiodarone inhibits CYP3A4 (and P-glycoprotein), raising lovastatin exposure and the risk of myopathy.',
 'Keep lovastatin at a low dose (at most 20 mg daily with diltiazem or verapamil, 40 mg with amiodarone) or switch to pravastatin or rosuvastatin; ask about muscle pain.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Mevacor prescribing information'),

('leader-curated', 'ATC', 'C08DA01', 'C10AA02', 'moderate',
 'Verapamil inhibits CYP3A4 (and P-glycoprotein), raising lovastatin exposure and the risk of myopathy.',
 'Keep lovastatin at a low dose (at most 20 mg daily with diltiazem or verapamil, 40 mg with amiodarone) or switch to pravastatin or rosuvastatin; ask about muscle pain.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Mevacor prescribing information'),

('leader-curated', 'ATC', 'C08DB01', 'C10AA02', 'moderate',
 'Diltiazem inhibits CYP3A4 (and P-glycoprotein), raising lovastatin exposure and the risk of myopathy.',
 'Keep lovastatin at a low dose (at most 20 mg daily with diltiazem or verapamil, 40 mg with amiodarone) or switch to pravastatin or rosuvastatin; ask about muscle pain.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Mevacor prescribing information'),


-- ---------------------------------------------------------------------------------------
-- Ergot alkaloids with strong CYP3A4 inhibitors
-- ---------------------------------------------------------------------------------------
('leader-curated', 'ATC', 'J05AE', 'N02CA', 'contraindicated',
 'Ergot alkaloids for migraine (ergotamine, dihydroergotamine) are cleared by CYP3A4; HIV protease inhibitors block it, and the resulting high ergot levels cause intense vasospasm (ergotism) with ischaemia of limbs, gut or heart.',
 'Do not combine. For migraine choose a triptan or another non-ergot treatment; for post-partum haemorrhage use oxytocin or another uterotonic, or pause the interacting drug.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Cafergot and D.H.E. 45 prescribing information; FDA boxed warning on ergotamine and CYP3A4 inhibitors (2003)'),

('leader-curated', 'ATC', 'J01FA09', 'N02CA', 'contraindicated',
 'Ergot alkaloids for migraine (ergotamine, dihydroergotamine) are cleared by CYP3A4; clarithromycin blocks it, and the resulting high ergot levels cause intense vasospasm (ergotism) with ischaemia of limbs, gut or heart.',
 'Do not combine. For migraine choose a triptan or another non-ergot treatment; for post-partum haemorrhage use oxytocin or another uterotonic, or pause the interacting drug.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Cafergot and D.H.E. 45 prescribing information; FDA boxed warning on ergotamine and CYP3A4 inhibitors (2003)'),

('leader-curated', 'ATC', 'J01FA01', 'N02CA', 'contraindicated',
 'Ergot alkaloids for migraine (ergotamine, dihydroergotamine) are cleared by CYP3A4; erythromycin blocks it, and the resulting high ergot levels cause intense vasospasm (ergotism) with ischaemia of limbs, gut or heart.',
 'Do not combine. For migraine choose a triptan or another non-ergot treatment; for post-partum haemorrhage use oxytocin or another uterotonic, or pause the interacting drug.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Cafergot and D.H.E. 45 prescribing information; FDA boxed warning on ergotamine and CYP3A4 inhibitors (2003)'),

('leader-curated', 'ATC', 'J01FA15', 'N02CA', 'contraindicated',
 'Ergot alkaloids for migraine (ergotamine, dihydroergotamine) are cleared by CYP3A4; telithromycin blocks it, and the resulting high ergot levels cause intense vasospasm (ergotism) with ischaemia of limbs, gut or heart.',
 'Do not combine. For migraine choose a triptan or another non-ergot treatment; for post-partum haemorrhage use oxytocin or another uterotonic, or pause the interacting drug.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Cafergot and D.H.E. 45 prescribing information; FDA boxed warning on ergotamine and CYP3A4 inhibitors (2003)'),

('leader-curated', 'ATC', 'J02AB02', 'N02CA', 'contraindicated',
 'Ergot alkaloids for migraine (ergotamine, dihydroergotamine) are cleared by CYP3A4; ketoconazole blocks it, and the resulting high ergot levels cause intense vasospasm (ergotism) with ischaemia of limbs, gut or heart.',
 'Do not combine. For migraine choose a triptan or another non-ergot treatment; for post-partum haemorrhage use oxytocin or another uterotonic, or pause the interacting drug.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Cafergot and D.H.E. 45 prescribing information; FDA boxed warning on ergotamine and CYP3A4 inhibitors (2003)'),

('leader-curated', 'ATC', 'J02AC02', 'N02CA', 'contraindicated',
 'Ergot alkaloids for migraine (ergotamine, dihydroergotamine) are cleared by CYP3A4; itraconazole blocks it, and the resulting high ergot levels cause intense vasospasm (ergotism) with ischaemia of limbs, gut or heart.',
 'Do not combine. For migraine choose a triptan or another non-ergot treatment; for post-partum haemorrhage use oxytocin or another uterotonic, or pause the interacting drug.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Cafergot and D.H.E. 45 prescribing information; FDA boxed warning on ergotamine and CYP3A4 inhibitors (2003)'),

('leader-curated', 'ATC', 'J02AC03', 'N02CA', 'contraindicated',
 'Ergot alkaloids for migraine (ergotamine, dihydroergotamine) are cleared by CYP3A4; voriconazole blocks it, and the resulting high ergot levels cause intense vasospasm (ergotism) with ischaemia of limbs, gut or heart.',
 'Do not combine. For migraine choose a triptan or another non-ergot treatment; for post-partum haemorrhage use oxytocin or another uterotonic, or pause the interacting drug.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Cafergot and D.H.E. 45 prescribing information; FDA boxed warning on ergotamine and CYP3A4 inhibitors (2003)'),

('leader-curated', 'ATC', 'G02AB', 'J05AE', 'contraindicated',
 'Ergot alkaloids used after childbirth (methylergometrine, ergometrine) are cleared by CYP3A4; HIV protease inhibitors block it, and the resulting high ergot levels cause intense vasospasm (ergotism) with ischaemia of limbs, gut or heart.',
 'Do not combine. For migraine choose a triptan or another non-ergot treatment; for post-partum haemorrhage use oxytocin or another uterotonic, or pause the interacting drug.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Methergine prescribing information; FDA boxed warning on ergotamine and CYP3A4 inhibitors (2003)'),

('leader-curated', 'ATC', 'G02AB', 'J01FA09', 'contraindicated',
 'Ergot alkaloids used after childbirth (methylergometrine, ergometrine) are cleared by CYP3A4; clarithromycin blocks it, and the resulting high ergot levels cause intense vasospasm (ergotism) with ischaemia of limbs, gut or heart.',
 'Do not combine. For migraine choose a triptan or another non-ergot treatment; for post-partum haemorrhage use oxytocin or another uterotonic, or pause the interacting drug.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Methergine prescribing information; FDA boxed warning on ergotamine and CYP3A4 inhibitors (2003)'),

('leader-curated', 'ATC', 'G02AB', 'J01FA01', 'contraindicated',
 'Ergot alkaloids used after childbirth (methylergometrine, ergometrine) are cleared by CYP3A4; erythromycin blocks it, and the resulting high ergot levels cause intense vasospasm (ergotism) with ischaemia of limbs, gut or heart.',
 'Do not combine. For migraine choose a triptan or another non-ergot treatment; for post-partum haemorrhage use oxytocin or another uterotonic, or pause the interacting drug.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Methergine prescribing information; FDA boxed warning on ergotamine and CYP3A4 inhibitors (2003)'),

('leader-curated', 'ATC', 'G02AB', 'J01FA15', 'contraindicated',
 'Ergot alkaloids used after childbirth (methylergometrine, ergometrine) are cleared by CYP3A4; telithromycin blocks it, and the resulting high ergot levels cause intense vasospasm (ergotism) with ischaemia of limbs, gut or heart.',
 'Do not combine. For migraine choose a triptan or another non-ergot treatment; for post-partum haemorrhage use oxytocin or another uterotonic, or pause the interacting drug.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Methergine prescribing information; FDA boxed warning on ergotamine and CYP3A4 inhibitors (2003)'),

('leader-curated', 'ATC', 'G02AB', 'J02AB02', 'contraindicated',
 'Ergot alkaloids used after childbirth (methylergometrine, ergometrine) are cleared by CYP3A4; ketoconazole blocks it, and the resulting high ergot levels cause intense vasospasm (ergotism) with ischaemia of limbs, gut or heart.',
 'Do not combine. For migraine choose a triptan or another non-ergot treatment; for post-partum haemorrhage use oxytocin or another uterotonic, or pause the interacting drug.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Methergine prescribing information; FDA boxed warning on ergotamine and CYP3A4 inhibitors (2003)'),

('leader-curated', 'ATC', 'G02AB', 'J02AC02', 'contraindicated',
 'Ergot alkaloids used after childbirth (methylergometrine, ergometrine) are cleared by CYP3A4; itraconazole blocks it, and the resulting high ergot levels cause intense vasospasm (ergotism) with ischaemia of limbs, gut or heart.',
 'Do not combine. For migraine choose a triptan or another non-ergot treatment; for post-partum haemorrhage use oxytocin or another uterotonic, or pause the interacting drug.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Methergine prescribing information; FDA boxed warning on ergotamine and CYP3A4 inhibitors (2003)'),

('leader-curated', 'ATC', 'G02AB', 'J02AC03', 'contraindicated',
 'Ergot alkaloids used after childbirth (methylergometrine, ergometrine) are cleared by CYP3A4; voriconazole blocks it, and the resulting high ergot levels cause intense vasospasm (ergotism) with ischaemia of limbs, gut or heart.',
 'Do not combine. For migraine choose a triptan or another non-ergot treatment; for post-partum haemorrhage use oxytocin or another uterotonic, or pause the interacting drug.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Methergine prescribing information; FDA boxed warning on ergotamine and CYP3A4 inhibitors (2003)'),


-- ---------------------------------------------------------------------------------------
-- HIV protease inhibitors with enzyme inducers
-- ---------------------------------------------------------------------------------------
('leader-curated', 'ATC', 'J04AB02', 'J05AE', 'contraindicated',
 'Rifampicin induces CYP3A4 (and P-glycoprotein), lowering protease inhibitor levels enough to lose virological control and select resistance.',
 'Do not combine; treat tuberculosis with a rifabutin-based regimen and adjusted doses, planned with an HIV specialist.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Rifampin prescribing information; CDC guidance on managing drug interactions in the treatment of HIV-related tuberculosis (2013)'),

('leader-curated', 'ATC', 'J04AB05', 'J05AE', 'contraindicated',
 'Rifapentine induces CYP3A4 (and P-glycoprotein), lowering protease inhibitor levels enough to lose virological control and select resistance.',
 'Do not combine; choose a regimen without rifapentine (e.g. isoniazid alone or rifabutin-based) with an HIV specialist.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Priftin prescribing information'),

('leader-curated', 'ATC', 'J04AB04', 'J05AE', 'major',
 'Rifabutin induces CYP3A4 (and P-glycoprotein), lowering protease inhibitor levels enough to lose virological control and select resistance. Ritonavir also inhibits CYP3A4, so rifabutin and bosentan levels rise in return.',
 'Combine only with specialist dosing: rifabutin is reduced (typically 150 mg daily) with a boosted protease inhibitor, and blood counts and eyes (uveitis) are watched.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; CDC guidance on managing drug interactions in the treatment of HIV-related tuberculosis (2013)'),

('leader-curated', 'ATC', 'J05AE', 'N03AF01', 'major',
 'Carbamazepine induces CYP3A4, lowering protease inhibitor levels enough to lose virological control and select resistance.',
 'Prefer an antiepileptic without enzyme induction (levetiracetam, lamotrigine with care); if combined, check HIV viral load and carbamazepine levels.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; DHHS Guidelines for the use of antiretroviral agents in adults, drug interaction tables'),

('leader-curated', 'ATC', 'C02KX01', 'J05AE', 'major',
 'Bosentan induces CYP3A4, lowering protease inhibitor levels enough to lose virological control and select resistance. Ritonavir also inhibits CYP3A4, so rifabutin and bosentan levels rise in return.',
 'Start bosentan at a reduced dose in patients on a boosted protease inhibitor (or pause bosentan when starting one) and monitor viral load and liver tests.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Tracleer prescribing information'),


-- ---------------------------------------------------------------------------------------
-- Tizanidine and ramelteon with CYP1A2 inhibitors
-- ---------------------------------------------------------------------------------------
('leader-curated', 'ATC', 'C01BD01', 'M03BX02', 'major',
 'Tizanidine is cleared by CYP1A2; amiodarone inhibits CYP1A2 and raises tizanidine levels, with marked hypotension, bradycardia and excessive sedation.',
 'Avoid the combination; if tizanidine is needed, start at a low dose, titrate slowly and check blood pressure and alertness, or choose baclofen.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Zanaflex prescribing information'),

('leader-curated', 'ATC', 'C01BB02', 'M03BX02', 'major',
 'Tizanidine is cleared by CYP1A2; mexiletine inhibits CYP1A2 and raises tizanidine levels, with marked hypotension, bradycardia and excessive sedation.',
 'Avoid the combination; if tizanidine is needed, start at a low dose, titrate slowly and check blood pressure and alertness, or choose baclofen.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Zanaflex prescribing information'),

('leader-curated', 'ATC', 'C01BC03', 'M03BX02', 'major',
 'Tizanidine is cleared by CYP1A2; propafenone inhibits CYP1A2 and raises tizanidine levels, with marked hypotension, bradycardia and excessive sedation.',
 'Avoid the combination; if tizanidine is needed, start at a low dose, titrate slowly and check blood pressure and alertness, or choose baclofen.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Zanaflex prescribing information'),

('leader-curated', 'ATC', 'B01AC05', 'M03BX02', 'major',
 'Tizanidine is cleared by CYP1A2; ticlopidine inhibits CYP1A2 and raises tizanidine levels, with marked hypotension, bradycardia and excessive sedation.',
 'Avoid the combination; if tizanidine is needed, start at a low dose, titrate slowly and check blood pressure and alertness, or choose baclofen.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Zanaflex prescribing information'),

('leader-curated', 'ATC', 'M03BX02', 'R03DC01', 'major',
 'Tizanidine is cleared by CYP1A2; zileuton inhibits CYP1A2 and raises tizanidine levels, with marked hypotension, bradycardia and excessive sedation.',
 'Avoid the combination; if tizanidine is needed, start at a low dose, titrate slowly and check blood pressure and alertness, or choose baclofen.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Zanaflex prescribing information'),

('leader-curated', 'ATC', 'J01MA02', 'N05CH02', 'moderate',
 'Ramelteon is cleared mainly by CYP1A2; ciprofloxacin inhibits CYP1A2 and raises ramelteon exposure, deepening and prolonging sedation.',
 'Use with caution: prefer sleep hygiene or a short pause of ramelteon during the course; warn about next-day drowsiness and falls.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Rozerem prescribing information'),

('leader-curated', 'ATC', 'C01BD01', 'N05CH02', 'moderate',
 'Ramelteon is cleared mainly by CYP1A2; amiodarone inhibits CYP1A2 and raises ramelteon exposure, deepening and prolonging sedation.',
 'Use with caution: prefer sleep hygiene or a short pause of ramelteon during the course; warn about next-day drowsiness and falls.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Rozerem prescribing information'),

('leader-curated', 'ATC', 'B01AC05', 'N05CH02', 'moderate',
 'Ramelteon is cleared mainly by CYP1A2; ticlopidine inhibits CYP1A2 and raises ramelteon exposure, deepening and prolonging sedation.',
 'Use with caution: prefer sleep hygiene or a short pause of ramelteon during the course; warn about next-day drowsiness and falls.',
 'Phansalkar S et al. JAMIA 2012;19:735-43; Rozerem prescribing information');

-- ---------------------------------------------------------------------------------------
-- QT-prolonging drugs: a group rule
-- ---------------------------------------------------------------------------------------
-- QT prolongation is not an ATC class, so the group is a project-written list of
-- ingredients (each with its own reference) kept in ddi_group_members; every two members of
-- different ingredients form one pair row below, named in the mechanism text. The list is
-- the QT-prolonging set of the ONC high-priority list plus hydroxychloroquine and
-- ziprasidone. A pair is contraindicated when either member's labelling forbids combining
-- it with other QT-prolonging drugs (tier 'contraindicated'), otherwise major. Pairs that
-- the first curated migration already holds keep their own row and text (INSERT OR IGNORE).
-- A later migration that adds a member inserts the member and its new pairs the same way.

CREATE TABLE ddi_group_members (
    group_name TEXT NOT NULL,
    system     TEXT NOT NULL,
    code       TEXT NOT NULL,
    ingredient TEXT NOT NULL,
    tier       TEXT NOT NULL CHECK (tier IN ('contraindicated', 'major', 'moderate')),
    reference  TEXT NOT NULL,
    PRIMARY KEY (group_name, system, code)
) STRICT, WITHOUT ROWID;

INSERT INTO ddi_group_members (group_name, system, code, ingredient, tier, reference) VALUES
('qt-prolonging', 'ATC', 'A03FA02', 'cisapride', 'contraindicated', 'Propulsid prescribing information (contraindicated with QT-prolonging drugs; US marketing stopped 2000)'),
('qt-prolonging', 'ATC', 'A03FA03', 'domperidone', 'major', 'EMA referral on domperidone, 2014 (QT prolongation, sudden cardiac death)'),
('qt-prolonging', 'ATC', 'A04AA01', 'ondansetron', 'major', 'FDA Drug Safety Communication, 29 June 2012 (ondansetron and QT prolongation)'),
('qt-prolonging', 'ATC', 'C01BA01', 'quinidine', 'major', 'Roden DM. N Engl J Med 2004;350:1013-22'),
('qt-prolonging', 'ATC', 'C01BA02', 'procainamide', 'major', 'Procainamide prescribing information (QT prolongation, torsades de pointes)'),
('qt-prolonging', 'ATC', 'C01BA03', 'disopyramide', 'major', 'Norpace prescribing information (QT prolongation)'),
('qt-prolonging', 'ATC', 'C01BC04', 'flecainide', 'major', 'Tambocor prescribing information (proarrhythmia, QT and QRS prolongation)'),
('qt-prolonging', 'ATC', 'C01BD01', 'amiodarone', 'major', 'Cordarone prescribing information (QT prolongation, torsades de pointes)'),
('qt-prolonging', 'ATC', 'C01BD04', 'dofetilide', 'major', 'Tikosyn prescribing information, boxed warning'),
('qt-prolonging', 'ATC', 'C01BD05', 'ibutilide', 'major', 'Corvert prescribing information, boxed warning'),
('qt-prolonging', 'ATC', 'C01BD07', 'dronedarone', 'contraindicated', 'Multaq prescribing information (contraindicated with drugs that prolong the QT interval)'),
('qt-prolonging', 'ATC', 'C07AA07', 'sotalol', 'major', 'Betapace prescribing information, boxed warning'),
('qt-prolonging', 'ATC', 'C08EA02', 'bepridil', 'major', 'Vascor prescribing information (QT prolongation, torsades de pointes)'),
('qt-prolonging', 'ATC', 'C10AX02', 'probucol', 'major', 'CredibleMeds QTdrugs list, known risk (Woosley RL et al., crediblemeds.org)'),
('qt-prolonging', 'ATC', 'J01FA01', 'erythromycin', 'major', 'Ray WA et al. N Engl J Med 2004;351:1089-96'),
('qt-prolonging', 'ATC', 'J01FA09', 'clarithromycin', 'major', 'Biaxin prescribing information (QT prolongation)'),
('qt-prolonging', 'ATC', 'J01FA10', 'azithromycin', 'major', 'FDA Drug Safety Communication, 12 March 2013 (azithromycin and fatal heart rhythms)'),
('qt-prolonging', 'ATC', 'J01MA09', 'sparfloxacin', 'major', 'Zagam prescribing information (QT prolongation)'),
('qt-prolonging', 'ATC', 'J01MA14', 'moxifloxacin', 'major', 'Avelox prescribing information (QT prolongation)'),
('qt-prolonging', 'ATC', 'L01EX04', 'vandetanib', 'major', 'Caprelsa prescribing information, boxed warning (QT prolongation, torsades, sudden death)'),
('qt-prolonging', 'ATC', 'L01XX27', 'arsenic trioxide', 'major', 'Trisenox prescribing information, boxed warning'),
('qt-prolonging', 'ATC', 'L01XX35', 'anagrelide', 'major', 'Agrylin prescribing information (QT prolongation, ventricular tachycardia)'),
('qt-prolonging', 'ATC', 'N01AB08', 'sevoflurane', 'major', 'Ultane prescribing information (QT prolongation)'),
('qt-prolonging', 'ATC', 'N01BC01', 'cocaine', 'major', 'CredibleMeds QTdrugs list, known risk (Woosley RL et al., crediblemeds.org)'),
('qt-prolonging', 'ATC', 'N05AA01', 'chlorpromazine', 'major', 'CredibleMeds QTdrugs list, known risk (Woosley RL et al., crediblemeds.org)'),
('qt-prolonging', 'ATC', 'N05AC02', 'thioridazine', 'contraindicated', 'Mellaril prescribing information, boxed warning (contraindicated with QT-prolonging drugs)'),
('qt-prolonging', 'ATC', 'N05AC03', 'mesoridazine', 'contraindicated', 'Serentil prescribing information, boxed warning (contraindicated with QT-prolonging drugs)'),
('qt-prolonging', 'ATC', 'N05AD01', 'haloperidol', 'major', 'FDA alert on intravenous haloperidol, September 2007 (QT prolongation, torsades)'),
('qt-prolonging', 'ATC', 'N05AD08', 'droperidol', 'major', 'Inapsine prescribing information, boxed warning (QT prolongation; FDA 2001)'),
('qt-prolonging', 'ATC', 'N05AE04', 'ziprasidone', 'contraindicated', 'Geodon prescribing information (contraindicated with drugs that prolong the QT interval)'),
('qt-prolonging', 'ATC', 'N05AG02', 'pimozide', 'contraindicated', 'Orap prescribing information (contraindicated with drugs that prolong the QT interval)'),
('qt-prolonging', 'ATC', 'N05AL01', 'sulpiride', 'major', 'CredibleMeds QTdrugs list, known risk (Woosley RL et al., crediblemeds.org)'),
('qt-prolonging', 'ATC', 'N06AB04', 'citalopram', 'major', 'FDA Drug Safety Communication, 28 March 2012 (citalopram and abnormal heart rhythms)'),
('qt-prolonging', 'ATC', 'N06AB10', 'escitalopram', 'major', 'Lexapro prescribing information; CredibleMeds QTdrugs list, known risk'),
('qt-prolonging', 'ATC', 'N07BC02', 'methadone', 'major', 'Dolophine prescribing information, boxed warning (QT prolongation)'),
('qt-prolonging', 'ATC', 'N07BC03', 'levacetylmethadol', 'major', 'ORLAAM withdrawn for QT prolongation (EMA 2001; US 2003)'),
('qt-prolonging', 'ATC', 'P01BA01', 'chloroquine', 'major', 'FDA Drug Safety Communication, 24 April 2020 (chloroquine and hydroxychloroquine heart rhythm problems)'),
('qt-prolonging', 'ATC', 'P01BA02', 'hydroxychloroquine', 'major', 'FDA Drug Safety Communication, 24 April 2020 (chloroquine and hydroxychloroquine heart rhythm problems)'),
('qt-prolonging', 'ATC', 'P01BX01', 'halofantrine', 'major', 'Halfan prescribing information (QT prolongation, sudden death)'),
('qt-prolonging', 'ATC', 'P01CX01', 'pentamidine', 'major', 'Pentam prescribing information (QT prolongation, torsades de pointes)'),
('qt-prolonging', 'ATC', 'R06AX11', 'astemizole', 'major', 'Woosley RL. Annu Rev Pharmacol Toxicol 1996;36:233-52 (withdrawn 1999)'),
('qt-prolonging', 'ATC', 'R06AX12', 'terfenadine', 'major', 'Woosley RL et al. JAMA 1993;269:1532-6 (withdrawn 1998)');

INSERT OR IGNORE INTO ddi_pairs (source, system, code_a, code_b, severity, mechanism, management, reference)
SELECT 'leader-curated', x.system, min(x.code, y.code), max(x.code, y.code),
       CASE WHEN x.tier = 'contraindicated' OR y.tier = 'contraindicated' THEN 'contraindicated' ELSE 'major' END,
       'QT group: ' || x.ingredient || ' and ' || y.ingredient || ' both lengthen ventricular repolarisation (the QT interval). The effects add, raising the risk of torsades de pointes and sudden death, more so with low potassium or magnesium, a slow heart rate, heart disease, female sex, older age or high doses.',
       CASE WHEN x.tier = 'contraindicated' OR y.tier = 'contraindicated'
            THEN 'Do not combine: the labelling of ' || CASE WHEN x.tier = 'contraindicated' THEN x.ingredient ELSE y.ingredient END || ' forbids use with other QT-prolonging drugs. Choose an alternative without QT effect.'
            ELSE 'Prefer an alternative without QT effect. If both are needed, take a baseline ECG, correct potassium and magnesium, use the lowest effective doses and repeat the ECG; stop one drug if the QTc exceeds 500 ms or rises by more than 60 ms.'
       END,
       'Phansalkar S et al. JAMIA 2012;19:735-43 (QT class); Drew BJ et al. Circulation 2010;121:1047-60. '
           || x.ingredient || ': ' || x.reference || '. ' || y.ingredient || ': ' || y.reference || '.'
FROM ddi_group_members x
JOIN ddi_group_members y ON y.group_name = x.group_name AND y.system = x.system AND x.ingredient < y.ingredient
WHERE x.group_name = 'qt-prolonging';
