-- LEADER Rx curated high-priority drug-drug interactions. Forward-only: never edit once landed;
-- corrections go in a later migration.
--
-- Provenance: every mechanism and management sentence below was written by the LEADER Rx
-- project in its own words from public clinical knowledge. None of it is copied from drug
-- labels or commercial interaction databases. The reference column names the publication
-- (or regulator communication / prescribing information) that a reader can check the claim
-- against. The choice of classes follows the ONC high-priority list (Phansalkar S et al.,
-- J Am Med Inform Assoc 2012;19:735-43), extended with other well-established high-risk
-- combinations.
--
-- Codes are WHO ATC codes without dots, stored at the level that is clinically right:
--   level 3 (4 characters, e.g. M01A  = all NSAIDs),
--   level 4 (5 characters, e.g. B01AA = all vitamin K antagonists),
--   level 5 (7 characters, e.g. C10AA01 = simvastatin only).
-- Pairs match hierarchically: a code covers every drug whose ATC code starts with it, so
-- M01A matches ibuprofen (M01AE01) and naproxen (M01AE02). A class-level row is used only
-- when the whole class interacts; when only some members do, the row names those members.
-- A drug may match more than one row (e.g. a class row and a stricter ingredient row); the
-- most severe matching row is the one a reader should act on.
--
-- Severity tiers, most to least severe:
--   contraindicated > major > moderate
--   contraindicated: do not combine; choose an alternative.
--   major:           avoid unless the benefit is clear; if combined, act (dose change,
--                    close monitoring).
--   moderate:        may be combined with monitoring or a simple precaution.
--
-- Each unordered pair is stored once with code_a < code_b (plain string comparison).

INSERT INTO ddi_sources (name, description, licence, loaded_at) VALUES (
    'leader-curated',
    'High-priority interactions curated by the LEADER Rx project from public clinical knowledge; classes follow the ONC high-priority list (Phansalkar et al., JAMIA 2012) plus other well-established high-risk combinations. Mechanism and management text is project-authored.',
    'Apache-2.0 (project-authored text)',
    '2026-11-30 00:00:00'
);

INSERT INTO ddi_pairs (source, system, code_a, code_b, severity, mechanism, management, reference) VALUES

-- ---------------------------------------------------------------------------------------
-- Anticoagulants and antiplatelets: additive bleeding
-- ---------------------------------------------------------------------------------------
('leader-curated', 'ATC', 'B01AA', 'M01A', 'major',
 'NSAIDs impair platelet function and damage the gastric mucosa, so bleeding risk adds to the anticoagulant effect of vitamin K antagonists; some NSAIDs also raise the INR.',
 'Prefer paracetamol or a topical agent for pain. If an NSAID is unavoidable, keep the course short, add a proton pump inhibitor and check the INR within a few days.',
 'Battistella M et al. Arch Intern Med 2005;165:189-92'),

('leader-curated', 'ATC', 'B01AF', 'M01A', 'major',
 'NSAIDs add platelet inhibition and gastrointestinal mucosal injury to factor Xa inhibition, roughly doubling the rate of clinically relevant bleeding.',
 'Avoid regular NSAID use; choose paracetamol or topical therapy. If an NSAID is needed, use the lowest dose for the shortest time with gastroprotection and watch for bleeding.',
 'Davidson BL et al. JAMA Intern Med 2014;174:947-53'),

('leader-curated', 'ATC', 'B01AE', 'M01A', 'major',
 'NSAIDs add platelet inhibition and gastric mucosal injury to direct thrombin inhibition, increasing major and gastrointestinal bleeding.',
 'Avoid regular NSAID use; prefer paracetamol. If unavoidable, keep it short, add gastroprotection and check renal function, since dabigatran is cleared by the kidney.',
 'Steffel J et al. 2021 EHRA practical guide on NOACs. Europace 2021;23:1612-76'),

('leader-curated', 'ATC', 'B01AB', 'M01A', 'moderate',
 'NSAIDs impair platelet function and injure the gastric mucosa, adding to the anticoagulant effect of heparins.',
 'Prefer non-NSAID analgesia, especially with treatment-dose heparin, older age or renal impairment; if combined, watch for bleeding and check haemoglobin.',
 'Garcia DA et al. Parenteral anticoagulants, ACCP guidelines. Chest 2012;141(2 Suppl):e24S-43S'),

('leader-curated', 'ATC', 'B01AA', 'B01AC', 'major',
 'Platelet aggregation inhibitors and vitamin K antagonists act on different parts of haemostasis, so combined use multiplies the risk of major bleeding.',
 'Combine only with a clear indication (e.g. recent stent) and for a defined period; review the need regularly, keep the INR at the lower end of range and add a proton pump inhibitor.',
 'Hansen ML et al. Arch Intern Med 2010;170:1433-41'),

('leader-curated', 'ATC', 'B01AC', 'B01AF', 'major',
 'Antiplatelet therapy adds to factor Xa inhibition, substantially increasing major bleeding.',
 'Combine only with a specific indication and a planned stop date; prefer a single antiplatelet agent, add gastroprotection and reassess at each review.',
 'Steffel J et al. 2021 EHRA practical guide on NOACs. Europace 2021;23:1612-76'),

('leader-curated', 'ATC', 'B01AA', 'N06AB', 'moderate',
 'SSRIs deplete platelet serotonin and weaken aggregation; fluoxetine and fluvoxamine also slow warfarin metabolism and can raise the INR.',
 'Check the INR when an SSRI is started, changed or stopped and ask about bruising or bleeding; sertraline or citalopram have less effect on warfarin metabolism.',
 'Holbrook AM et al. Arch Intern Med 2005;165:1095-106'),

('leader-curated', 'ATC', 'A02BC01', 'B01AC04', 'moderate',
 'Omeprazole inhibits CYP2C19, the enzyme that converts clopidogrel to its active metabolite, so platelet inhibition is weaker.',
 'If gastroprotection is needed, prefer pantoprazole or another PPI with little CYP2C19 effect; do not withhold gastroprotection from high-risk patients.',
 'FDA drug safety communication 2010 (clopidogrel and omeprazole); Bhatt DL et al. N Engl J Med 2010;363:1909-17'),

('leader-curated', 'ATC', 'A02BC05', 'B01AC04', 'moderate',
 'Esomeprazole inhibits CYP2C19 and reduces activation of clopidogrel, weakening its antiplatelet effect.',
 'Prefer pantoprazole when a PPI is needed with clopidogrel.',
 'FDA drug safety communication 2010 (clopidogrel and omeprazole/esomeprazole)'),

('leader-curated', 'ATC', 'B01AC24', 'J01FA09', 'contraindicated',
 'Clarithromycin strongly inhibits CYP3A4, the main route of ticagrelor clearance, raising ticagrelor exposure several-fold and with it bleeding and dyspnoea.',
 'Do not combine; choose an antibiotic without strong CYP3A4 inhibition, such as azithromycin or a beta-lactam.',
 'Brilique (ticagrelor) EU SmPC, section 4.3; Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43'),

-- ---------------------------------------------------------------------------------------
-- Anticoagulants: pharmacokinetic interactions
-- ---------------------------------------------------------------------------------------
('leader-curated', 'ATC', 'B01AA', 'J01MA', 'major',
 'Fluoroquinolones slow warfarin metabolism and disturb vitamin K producing gut flora; together with the infection itself this often raises the INR within days.',
 'Consider another antibiotic; otherwise check the INR 3 to 5 days after starting and again after stopping the fluoroquinolone, and adjust the warfarin dose.',
 'Baillargeon J et al. Am J Med 2012;125:183-9'),

('leader-curated', 'ATC', 'B01AA', 'C01BD01', 'major',
 'Amiodarone inhibits CYP2C9 and other enzymes that clear warfarin; the INR climbs over several weeks and the effect lasts months after amiodarone stops because of its long half-life.',
 'Reduce the warfarin dose by roughly a third to a half when amiodarone is started and check the INR weekly for at least the first 6 to 8 weeks.',
 'Holbrook AM et al. Arch Intern Med 2005;165:1095-106'),

('leader-curated', 'ATC', 'B01AA', 'J02AC01', 'major',
 'Fluconazole is a potent CYP2C9 inhibitor and blocks clearance of S-warfarin, the more active enantiomer, so the INR can rise sharply.',
 'Prefer a topical antifungal or single-dose treatment; for courses of more than a few days, reduce the warfarin dose and check the INR within 3 to 5 days.',
 'Holbrook AM et al. Arch Intern Med 2005;165:1095-106'),

('leader-curated', 'ATC', 'B01AA', 'J01XD01', 'major',
 'Metronidazole inhibits CYP2C9 metabolism of S-warfarin, raising the INR and the risk of bleeding.',
 'Use an alternative if possible; otherwise consider a pre-emptive warfarin dose reduction and check the INR within 3 to 5 days of starting.',
 'Holbrook AM et al. Arch Intern Med 2005;165:1095-106'),

('leader-curated', 'ATC', 'B01AA', 'J01EE01', 'major',
 'Sulfamethoxazole inhibits CYP2C9 and displaces warfarin from plasma proteins, producing a marked INR rise and more bleeding admissions.',
 'Choose another antibiotic where possible (e.g. nitrofurantoin or a beta-lactam for urinary infection); if co-trimoxazole is needed, reduce warfarin and check the INR within 3 to 5 days.',
 'Fischer HD et al. Arch Intern Med 2010;170:617-21'),

('leader-curated', 'ATC', 'B01AA', 'J04AB02', 'major',
 'Rifampicin strongly induces CYP2C9, CYP3A4 and CYP1A2, greatly lowering warfarin levels over one to two weeks; the effect wears off over weeks after rifampicin stops.',
 'Avoid if possible. Otherwise expect to need a much larger warfarin dose with frequent INR checks, and reduce the dose again when rifampicin is stopped.',
 'Holbrook AM et al. Arch Intern Med 2005;165:1095-106'),

('leader-curated', 'ATC', 'B01AF', 'J04AB02', 'major',
 'Rifampicin induces CYP3A4 and P-glycoprotein and roughly halves exposure to apixaban and rivaroxaban, risking thrombosis.',
 'Avoid the combination; use another anticoagulant such as low molecular weight heparin or an INR-guided vitamin K antagonist for the duration of rifampicin and its washout.',
 'Steffel J et al. 2021 EHRA practical guide on NOACs. Europace 2021;23:1612-76'),

('leader-curated', 'ATC', 'B01AF', 'J02AB02', 'major',
 'Ketoconazole strongly inhibits both CYP3A4 and P-glycoprotein, about doubling factor Xa inhibitor exposure and bleeding risk.',
 'Avoid the combination; choose an antifungal without strong CYP3A4/P-gp inhibition or a different anticoagulant.',
 'Steffel J et al. 2021 EHRA practical guide on NOACs. Europace 2021;23:1612-76'),

('leader-curated', 'ATC', 'B01AE07', 'J02AB02', 'contraindicated',
 'Systemic ketoconazole inhibits P-glycoprotein, the transporter that limits dabigatran absorption and clearance, raising dabigatran levels more than two-fold.',
 'Do not combine; choose a different antifungal or anticoagulant.',
 'Pradaxa (dabigatran etexilate) EU SmPC, section 4.3; Steffel J et al. Europace 2021;23:1612-76'),

-- ---------------------------------------------------------------------------------------
-- Digoxin, antiarrhythmics and rate control
-- ---------------------------------------------------------------------------------------
('leader-curated', 'ATC', 'C01AA05', 'C01BD01', 'major',
 'Amiodarone inhibits P-glycoprotein and reduces the renal and non-renal clearance of digoxin, raising levels by up to about double; both drugs also slow AV conduction.',
 'Halve the digoxin dose when amiodarone is started, then check a digoxin level, heart rate and ECG over the following weeks.',
 'Marcus FI. J Am Coll Cardiol 1985;5(5 Suppl A):82A-90A'),

('leader-curated', 'ATC', 'C01AA05', 'C08DA01', 'major',
 'Verapamil inhibits P-glycoprotein and raises digoxin levels by roughly half or more; both drugs depress the AV node, risking bradycardia and heart block.',
 'Reduce the digoxin dose when verapamil is added, check a digoxin level after about a week and monitor heart rate and ECG.',
 'Marcus FI. J Am Coll Cardiol 1985;5(5 Suppl A):82A-90A'),

('leader-curated', 'ATC', 'C01AA05', 'J01FA09', 'major',
 'Clarithromycin inhibits P-glycoprotein and reduces digoxin clearance, and admissions for digoxin toxicity rise after it is prescribed.',
 'Prefer an antibiotic that does not inhibit P-gp; if clarithromycin is needed, check a digoxin level and watch for nausea, visual change and arrhythmia.',
 'Gomes T et al. Clin Pharmacol Ther 2009;86:383-6; Juurlink DN et al. JAMA 2003;289:1652-8'),

('leader-curated', 'ATC', 'C07A', 'C08DA01', 'major',
 'Beta-blockers and verapamil both slow heart rate, AV conduction and contractility; together they can cause severe bradycardia, heart block or heart failure, especially when verapamil is given intravenously.',
 'Do not give intravenous verapamil to a patient on a beta-blocker. If oral use together is needed, start low, avoid in reduced ejection fraction and monitor heart rate, blood pressure and ECG.',
 'Brugada J et al. 2019 ESC guidelines on supraventricular tachycardia. Eur Heart J 2020;41:655-720'),

('leader-curated', 'ATC', 'C01BD04', 'C08DA01', 'contraindicated',
 'Verapamil raises dofetilide plasma levels, increasing the risk of QT prolongation and torsades de pointes.',
 'Do not combine; use a rate-control drug that does not interact, or another rhythm-control strategy.',
 'Tikosyn (dofetilide) US prescribing information, Contraindications'),

('leader-curated', 'ATC', 'C01BD04', 'J01EA01', 'contraindicated',
 'Trimethoprim blocks the renal tubular cation secretion that eliminates dofetilide, so dofetilide accumulates and torsades de pointes becomes likely.',
 'Do not combine; choose another antibiotic.',
 'Tikosyn (dofetilide) US prescribing information, Contraindications'),

('leader-curated', 'ATC', 'C01BD04', 'J01EE01', 'contraindicated',
 'The trimethoprim in co-trimoxazole blocks renal tubular secretion of dofetilide, raising its level and the risk of torsades de pointes.',
 'Do not combine; choose another antibiotic.',
 'Tikosyn (dofetilide) US prescribing information, Contraindications'),

('leader-curated', 'ATC', 'C01BD04', 'C03AA03', 'contraindicated',
 'Hydrochlorothiazide raises dofetilide levels and causes potassium and magnesium loss, both of which increase the risk of torsades de pointes.',
 'Do not combine; if a diuretic is needed, choose one after specialist advice and keep potassium and magnesium in range.',
 'Tikosyn (dofetilide) US prescribing information, Contraindications'),

('leader-curated', 'ATC', 'C01BD04', 'J02AB02', 'contraindicated',
 'Ketoconazole inhibits dofetilide clearance by the kidney and by CYP3A4, markedly raising dofetilide levels and QT prolongation.',
 'Do not combine; choose another antifungal.',
 'Tikosyn (dofetilide) US prescribing information, Contraindications'),

('leader-curated', 'ATC', 'C01BD07', 'J01FA09', 'contraindicated',
 'Dronedarone depends on CYP3A4 for clearance and clarithromycin strongly inhibits it; both prolong the QT interval.',
 'Do not combine; choose an antibiotic without CYP3A4 inhibition or QT effect, or pause dronedarone under specialist advice.',
 'Multaq (dronedarone) US prescribing information, Contraindications'),

-- ---------------------------------------------------------------------------------------
-- QT prolongation
-- ---------------------------------------------------------------------------------------
('leader-curated', 'ATC', 'C01BD01', 'J01MA', 'major',
 'Amiodarone and fluoroquinolones both block cardiac potassium channels, so their QT-prolonging effects add up and torsades de pointes can follow.',
 'Prefer an antibiotic with no QT effect. If a fluoroquinolone is needed, check a baseline ECG, correct potassium and magnesium, and repeat the ECG after starting.',
 'Roden DM. N Engl J Med 2004;350:1013-22'),

('leader-curated', 'ATC', 'C01BD01', 'N05AD01', 'major',
 'Amiodarone and haloperidol both prolong the QT interval; together they raise the risk of torsades de pointes, especially with intravenous haloperidol.',
 'Use a non-QT-prolonging alternative where possible; otherwise monitor the ECG and keep potassium and magnesium in range.',
 'Roden DM. N Engl J Med 2004;350:1013-22'),

('leader-curated', 'ATC', 'J01FA09', 'N05AD01', 'major',
 'Clarithromycin prolongs the QT interval and inhibits CYP3A4, one of the enzymes that clears haloperidol, so QT effects add and haloperidol levels may rise.',
 'Prefer a non-macrolide antibiotic; if combined, check the ECG and electrolytes and use the lowest haloperidol dose.',
 'Roden DM. N Engl J Med 2004;350:1013-22'),

('leader-curated', 'ATC', 'J01FA09', 'N05AH04', 'major',
 'Quetiapine is cleared mainly by CYP3A4, which clarithromycin strongly inhibits; quetiapine levels rise several-fold with more sedation, hypotension and QT prolongation.',
 'Avoid the combination; if it cannot be avoided, cut the quetiapine dose substantially and monitor sedation, blood pressure and ECG.',
 'Seroquel (quetiapine) US prescribing information, dosing with strong CYP3A4 inhibitors; Roden DM. N Engl J Med 2004;350:1013-22'),

('leader-curated', 'ATC', 'J01FA09', 'N05AG02', 'contraindicated',
 'Pimozide is cleared by CYP3A4; clarithromycin blocks this and adds its own QT prolongation, and sudden deaths have been reported.',
 'Do not combine; choose a non-macrolide antibiotic.',
 'Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43'),

('leader-curated', 'ATC', 'A03FA03', 'J01FA09', 'contraindicated',
 'Domperidone is cleared by CYP3A4 and prolongs the QT interval; clarithromycin raises domperidone levels and adds its own QT effect.',
 'Do not combine; use another antiemetic or antibiotic.',
 'EMA CMDh position on domperidone, 2014'),

('leader-curated', 'ATC', 'N05AC02', 'N06AB03', 'contraindicated',
 'Fluoxetine inhibits CYP2D6, the main route of thioridazine clearance, and the higher thioridazine level prolongs the QT interval dose-dependently.',
 'Do not combine; choose another antipsychotic or antidepressant, remembering that fluoxetine persists for weeks after stopping.',
 'Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43'),

('leader-curated', 'ATC', 'N05AC02', 'N06AB05', 'contraindicated',
 'Paroxetine strongly inhibits CYP2D6, raising thioridazine levels and the risk of QT prolongation and torsades de pointes.',
 'Do not combine; choose another antipsychotic or antidepressant.',
 'Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43'),

('leader-curated', 'ATC', 'N05AC02', 'N06AB08', 'contraindicated',
 'Fluvoxamine inhibits the metabolism of thioridazine, raising its level and the risk of QT prolongation and torsades de pointes.',
 'Do not combine; choose another antipsychotic or antidepressant.',
 'Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43'),

-- ---------------------------------------------------------------------------------------
-- Nitrates, PDE5 inhibitors and riociguat: profound hypotension
-- ---------------------------------------------------------------------------------------
('leader-curated', 'ATC', 'C01DA', 'G04BE03', 'contraindicated',
 'Nitrates raise cGMP by donating nitric oxide and sildenafil stops its breakdown; together they can drop blood pressure severely.',
 'Do not combine. Do not give a nitrate within 24 hours of sildenafil; treat angina with other drugs meanwhile.',
 'Cheitlin MD et al. Circulation 1999;99:168-77; Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43'),

('leader-curated', 'ATC', 'C01DA', 'G04BE08', 'contraindicated',
 'Nitrates raise cGMP and tadalafil blocks its breakdown; the combination can cause severe, prolonged hypotension.',
 'Do not combine. Because tadalafil lasts longer, wait at least 48 hours after the last dose before giving a nitrate.',
 'Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43'),

('leader-curated', 'ATC', 'C01DA', 'G04BE09', 'contraindicated',
 'Nitrates raise cGMP and vardenafil blocks its breakdown, so blood pressure can fall severely.',
 'Do not combine; avoid nitrates within 24 hours of vardenafil.',
 'Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43'),

('leader-curated', 'ATC', 'C01DA', 'C02KX05', 'contraindicated',
 'Riociguat stimulates soluble guanylate cyclase and nitrates supply nitric oxide to the same pathway; cGMP rises steeply and can cause dangerous hypotension.',
 'Do not combine; use a non-nitrate antianginal under specialist advice.',
 'Adempas (riociguat) US prescribing information, Contraindications'),

('leader-curated', 'ATC', 'C02KX05', 'G04BE03', 'contraindicated',
 'Riociguat increases cGMP production and sildenafil prevents its breakdown, causing excess hypotension without added benefit.',
 'Do not combine; stop sildenafil at least 24 hours before starting riociguat.',
 'Galie N et al. PATENT PLUS. Eur Respir J 2015;45:1314-22'),

('leader-curated', 'ATC', 'C02KX05', 'G04BE08', 'contraindicated',
 'Riociguat increases cGMP production and tadalafil prevents its breakdown, causing excess hypotension.',
 'Do not combine; stop tadalafil at least 48 hours before starting riociguat.',
 'Adempas (riociguat) US prescribing information, Contraindications'),

-- ---------------------------------------------------------------------------------------
-- Statins: myopathy and rhabdomyolysis
-- ---------------------------------------------------------------------------------------
('leader-curated', 'ATC', 'C10AA01', 'J01FA09', 'contraindicated',
 'Clarithromycin strongly inhibits CYP3A4, which clears simvastatin; statin exposure rises many-fold and rhabdomyolysis can follow.',
 'Do not combine. Pause simvastatin for the antibiotic course, or choose azithromycin or another antibiotic without CYP3A4 inhibition.',
 'FDA drug safety communication 2011 (simvastatin dosing); Patel AM et al. Ann Intern Med 2013;158:869-76'),

('leader-curated', 'ATC', 'C10AA01', 'J02AB02', 'contraindicated',
 'Ketoconazole strongly inhibits CYP3A4 and greatly raises simvastatin exposure, with a high risk of myopathy.',
 'Do not combine; pause simvastatin during azole treatment or use a statin not cleared by CYP3A4.',
 'FDA drug safety communication 2011 (simvastatin dosing)'),

('leader-curated', 'ATC', 'C10AA01', 'J02AC02', 'contraindicated',
 'Itraconazole strongly inhibits CYP3A4 and greatly raises simvastatin exposure, with a high risk of rhabdomyolysis.',
 'Do not combine; pause simvastatin during itraconazole treatment or switch to pravastatin or rosuvastatin.',
 'FDA drug safety communication 2011 (simvastatin dosing)'),

('leader-curated', 'ATC', 'C10AA01', 'J05AE03', 'contraindicated',
 'Ritonavir is a strong CYP3A4 inhibitor and boosts simvastatin exposure many-fold, risking rhabdomyolysis.',
 'Do not combine; use a statin less dependent on CYP3A4 at a low starting dose.',
 'Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43'),

('leader-curated', 'ATC', 'C10AA01', 'L04AD01', 'contraindicated',
 'Ciclosporin inhibits CYP3A4 and the OATP1B1 liver uptake transporter, sharply raising simvastatin levels and the risk of myopathy.',
 'Do not combine; if a statin is needed, use a low dose of one with less interaction and monitor for muscle symptoms.',
 'FDA drug safety communication 2011 (simvastatin dosing)'),

('leader-curated', 'ATC', 'C10AA01', 'C10AB04', 'contraindicated',
 'Gemfibrozil blocks the glucuronidation and hepatic uptake of simvastatin acid and adds its own muscle toxicity.',
 'Do not combine; if a fibrate is needed, fenofibrate interacts less.',
 'FDA drug safety communication 2011 (simvastatin dosing)'),

('leader-curated', 'ATC', 'C10AA', 'C10AB04', 'major',
 'Gemfibrozil inhibits the glucuronidation and OATP1B1 uptake of most statins, raising their levels, and fibrates add their own risk of myopathy.',
 'Avoid gemfibrozil with any statin; prefer fenofibrate if a fibrate is needed and ask about muscle pain.',
 'Wiggins BS et al. AHA scientific statement on statin interactions. Circulation 2016;134:e468-95'),

('leader-curated', 'ATC', 'C10AA02', 'J01FA09', 'contraindicated',
 'Lovastatin, like simvastatin, depends on CYP3A4; clarithromycin blocks this and statin levels rise many-fold.',
 'Do not combine; pause lovastatin for the antibiotic course or choose an antibiotic without CYP3A4 inhibition.',
 'FDA drug safety communication 2012 (statin label changes); Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43'),

('leader-curated', 'ATC', 'C10AA02', 'J02AC02', 'contraindicated',
 'Itraconazole strongly inhibits CYP3A4 and greatly raises lovastatin exposure, risking rhabdomyolysis.',
 'Do not combine; pause lovastatin during itraconazole treatment.',
 'FDA drug safety communication 2012 (statin label changes)'),

('leader-curated', 'ATC', 'C10AA05', 'J01FA09', 'moderate',
 'Clarithromycin inhibits CYP3A4 and raises atorvastatin exposure a few-fold, less than with simvastatin but enough to raise myopathy risk at high doses.',
 'Limit atorvastatin to 20 mg a day during the course (or pause it), or use azithromycin; ask about muscle pain.',
 'Wiggins BS et al. Circulation 2016;134:e468-95; Patel AM et al. Ann Intern Med 2013;158:869-76'),

('leader-curated', 'ATC', 'C01BD01', 'C10AA01', 'moderate',
 'Amiodarone inhibits simvastatin metabolism and raises its exposure, increasing the risk of myopathy at higher doses.',
 'Keep simvastatin at 20 mg a day or less, or switch to a statin with less interaction.',
 'FDA drug safety communication 2011 (simvastatin dosing)'),

('leader-curated', 'ATC', 'C08DA01', 'C10AA01', 'moderate',
 'Verapamil is a moderate CYP3A4 inhibitor and raises simvastatin exposure, increasing myopathy risk.',
 'Keep simvastatin at 10 mg a day or less, or switch to a statin with less interaction.',
 'FDA drug safety communication 2011 (simvastatin dosing)'),

('leader-curated', 'ATC', 'C08DB01', 'C10AA01', 'moderate',
 'Diltiazem is a moderate CYP3A4 inhibitor and raises simvastatin exposure, increasing myopathy risk.',
 'Keep simvastatin at 10 mg a day or less, or switch to a statin with less interaction.',
 'FDA drug safety communication 2011 (simvastatin dosing)'),

-- ---------------------------------------------------------------------------------------
-- Serotonin toxicity and MAO inhibitors
-- ---------------------------------------------------------------------------------------
('leader-curated', 'ATC', 'N02AX02', 'N06AB', 'major',
 'Tramadol inhibits serotonin reuptake, so with an SSRI serotonin toxicity can occur; both lower the seizure threshold, and SSRIs that inhibit CYP2D6 also weaken tramadol analgesia.',
 'Prefer a non-serotonergic analgesic. If the combination is used, start tramadol low, avoid high doses and teach the patient the signs of serotonin toxicity.',
 'Boyer EW, Shannon M. N Engl J Med 2005;352:1112-20; Nelson EM, Philbrick AM. Ann Pharmacother 2012;46:1712-6'),

('leader-curated', 'ATC', 'J01XX08', 'N06AB', 'major',
 'Linezolid is a reversible non-selective MAO inhibitor; with an SSRI, serotonin can accumulate and cause serotonin syndrome.',
 'Use another antibiotic where one is suitable. If linezolid is essential, consider pausing the SSRI and watch closely for agitation, tremor, clonus and fever during treatment and for two weeks after.',
 'FDA drug safety communication 2011 (linezolid and serotonergic psychiatric drugs)'),

('leader-curated', 'ATC', 'J01XX08', 'N06AX16', 'major',
 'Linezolid inhibits MAO; venlafaxine blocks serotonin reuptake, so serotonin syndrome can develop.',
 'Use another antibiotic where suitable; otherwise pause venlafaxine if possible and monitor for serotonin toxicity.',
 'FDA drug safety communication 2011 (linezolid and serotonergic psychiatric drugs)'),

('leader-curated', 'ATC', 'J01XX08', 'N06AX21', 'major',
 'Linezolid inhibits MAO; duloxetine blocks serotonin reuptake, so serotonin syndrome can develop.',
 'Use another antibiotic where suitable; otherwise pause duloxetine if possible and monitor for serotonin toxicity.',
 'FDA drug safety communication 2011 (linezolid and serotonergic psychiatric drugs)'),

('leader-curated', 'ATC', 'N06AB', 'N06AF', 'contraindicated',
 'Irreversible MAO inhibition stops serotonin breakdown while SSRIs block its reuptake, which can cause severe, sometimes fatal serotonin syndrome.',
 'Do not combine. Allow two weeks after stopping the MAO inhibitor before an SSRI, and five weeks after stopping fluoxetine before an MAO inhibitor.',
 'Boyer EW, Shannon M. N Engl J Med 2005;352:1112-20; Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43'),

('leader-curated', 'ATC', 'N06AF', 'N06AX16', 'contraindicated',
 'Venlafaxine blocks serotonin reuptake while the MAO inhibitor prevents its breakdown, risking severe serotonin syndrome.',
 'Do not combine; observe the recommended washout periods when switching between them.',
 'Boyer EW, Shannon M. N Engl J Med 2005;352:1112-20'),

('leader-curated', 'ATC', 'N06AF', 'N06AX21', 'contraindicated',
 'Duloxetine blocks serotonin reuptake while the MAO inhibitor prevents its breakdown, risking severe serotonin syndrome.',
 'Do not combine; observe the recommended washout periods when switching between them.',
 'Boyer EW, Shannon M. N Engl J Med 2005;352:1112-20'),

('leader-curated', 'ATC', 'N02AB02', 'N06AF', 'contraindicated',
 'Pethidine has serotonergic activity, and with an MAO inhibitor it can cause fatal serotonin toxicity with agitation, hyperthermia and coma.',
 'Do not combine, including within two weeks of stopping the MAO inhibitor; choose morphine or another non-serotonergic opioid with care.',
 'Gillman PK. Br J Anaesth 2005;95:434-41'),

('leader-curated', 'ATC', 'N02AX02', 'N06AF', 'contraindicated',
 'Tramadol blocks serotonin and noradrenaline reuptake; with an MAO inhibitor, serotonin toxicity and seizures can occur.',
 'Do not combine, including within two weeks of stopping the MAO inhibitor; choose a non-serotonergic analgesic.',
 'Gillman PK. Br J Anaesth 2005;95:434-41'),

('leader-curated', 'ATC', 'N02CC', 'N06AF', 'major',
 'Sumatriptan, rizatriptan and zolmitriptan are broken down by MAO-A, so MAO inhibitors raise their levels, and serotonergic effects add.',
 'Avoid triptans during and for two weeks after an MAO inhibitor; if a triptan is essential, seek specialist advice on one not cleared by MAO-A.',
 'Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43'),

('leader-curated', 'ATC', 'N06AF', 'R05DA09', 'contraindicated',
 'Dextromethorphan inhibits serotonin reuptake; with an MAO inhibitor it can cause serotonin syndrome.',
 'Do not combine; choose a non-serotonergic cough treatment.',
 'Boyer EW, Shannon M. N Engl J Med 2005;352:1112-20'),

('leader-curated', 'ATC', 'N06AF', 'R01BA', 'contraindicated',
 'Oral decongestant sympathomimetics release or mimic noradrenaline, which builds up when MAO is inhibited and can cause a hypertensive crisis.',
 'Do not combine, including within two weeks of stopping the MAO inhibitor; use saline or other non-sympathomimetic measures.',
 'Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43'),

('leader-curated', 'ATC', 'M01A', 'N06AB', 'moderate',
 'SSRIs reduce platelet serotonin and NSAIDs injure the gastric mucosa and inhibit platelets; together the risk of upper gastrointestinal bleeding rises several-fold.',
 'Prefer paracetamol; if an NSAID is needed, keep the course short and add a proton pump inhibitor, especially in older patients or with a bleeding history.',
 'Anglin R et al. Am J Gastroenterol 2014;109:811-9'),

-- ---------------------------------------------------------------------------------------
-- Potassium, the renin-angiotensin system and the kidney
-- ---------------------------------------------------------------------------------------
('leader-curated', 'ATC', 'A12BA', 'C03DA', 'major',
 'Aldosterone antagonists stop the kidney excreting potassium, so potassium supplements can produce dangerous hyperkalaemia.',
 'Avoid routine potassium supplements with spironolactone or eplerenone; if both are truly needed, check potassium and renal function within a week and regularly after.',
 'Juurlink DN et al. N Engl J Med 2004;351:543-51'),

('leader-curated', 'ATC', 'A12BA', 'C03DB', 'major',
 'Amiloride and triamterene block potassium excretion, so adding potassium supplements risks severe hyperkalaemia.',
 'Avoid the combination unless hypokalaemia is documented; check potassium and renal function soon after starting.',
 'Palmer BF. N Engl J Med 2004;351:585-92'),

('leader-curated', 'ATC', 'A12BA', 'C09A', 'moderate',
 'ACE inhibitors lower aldosterone and potassium excretion; potassium supplements add to the load, particularly with renal impairment.',
 'Review whether the supplement is still needed and check potassium and creatinine after starting or changing doses.',
 'Palmer BF. N Engl J Med 2004;351:585-92'),

('leader-curated', 'ATC', 'C03DA', 'C09A', 'moderate',
 'ACE inhibitors lower aldosterone production while aldosterone antagonists block its action; potassium excretion falls and hyperkalaemia can develop, especially with renal impairment or dehydration.',
 'The combination is often indicated in heart failure: use low spironolactone doses, check potassium and creatinine within a week, at one month and regularly after, and stop during acute illness with dehydration.',
 'Juurlink DN et al. N Engl J Med 2004;351:543-51'),

('leader-curated', 'ATC', 'C03DA', 'C09C', 'moderate',
 'Angiotensin receptor blockers lower aldosterone effect while aldosterone antagonists block the receptor; together potassium excretion falls and hyperkalaemia can develop.',
 'Use low doses, check potassium and creatinine within a week and regularly after, and pause during dehydrating illness.',
 'Palmer BF. N Engl J Med 2004;351:585-92; Juurlink DN et al. N Engl J Med 2004;351:543-51'),

('leader-curated', 'ATC', 'C03DA', 'J01EE01', 'major',
 'Trimethoprim blocks sodium channels in the collecting duct much as amiloride does, cutting potassium excretion; with spironolactone this causes hyperkalaemia and is linked to sudden death.',
 'Prefer another antibiotic; if co-trimoxazole is needed, use the shortest course and check potassium within a few days.',
 'Antoniou T et al. BMJ 2011;343:d5228; Antoniou T et al. CMAJ 2015;187:E138-43'),

('leader-curated', 'ATC', 'C09A', 'J01EA01', 'moderate',
 'Trimethoprim reduces renal potassium excretion by an amiloride-like effect, adding to the potassium retention caused by ACE inhibitors.',
 'In older or renally impaired patients prefer another antibiotic, or check potassium within a few days of starting.',
 'Antoniou T et al. Arch Intern Med 2010;170:1045-9'),

('leader-curated', 'ATC', 'C09A', 'J01EE01', 'moderate',
 'The trimethoprim in co-trimoxazole reduces renal potassium excretion, adding to ACE inhibitor potassium retention; hyperkalaemia and sudden death are more frequent in older patients.',
 'Prefer another antibiotic in older or renally impaired patients; otherwise check potassium within a few days.',
 'Antoniou T et al. Arch Intern Med 2010;170:1045-9; Fralick M et al. BMJ 2014;349:g6196'),

('leader-curated', 'ATC', 'C09C', 'J01EE01', 'moderate',
 'The trimethoprim in co-trimoxazole reduces renal potassium excretion, adding to angiotensin receptor blocker potassium retention.',
 'Prefer another antibiotic in older or renally impaired patients; otherwise check potassium within a few days.',
 'Antoniou T et al. Arch Intern Med 2010;170:1045-9; Fralick M et al. BMJ 2014;349:g6196'),

('leader-curated', 'ATC', 'C09A', 'C09DX04', 'contraindicated',
 'Neprilysin inhibition by sacubitril and ACE inhibition both slow bradykinin breakdown, and together they greatly increase the risk of angioedema.',
 'Do not combine; stop the ACE inhibitor at least 36 hours before the first sacubitril/valsartan dose.',
 'McMurray JJ et al. PARADIGM-HF. N Engl J Med 2014;371:993-1004; Entresto US prescribing information'),

('leader-curated', 'ATC', 'C09A', 'C09XA02', 'major',
 'Dual blockade of the renin-angiotensin system with aliskiren and an ACE inhibitor increases hyperkalaemia, hypotension and acute kidney injury without cardiovascular benefit.',
 'Do not combine in diabetes or when eGFR is below 60; otherwise avoid and choose a single RAS blocker.',
 'Parving HH et al. ALTITUDE. N Engl J Med 2012;367:2204-13'),

('leader-curated', 'ATC', 'C09C', 'C09XA02', 'major',
 'Dual blockade of the renin-angiotensin system with aliskiren and an angiotensin receptor blocker increases hyperkalaemia, hypotension and acute kidney injury without benefit.',
 'Do not combine in diabetes or when eGFR is below 60; otherwise avoid and choose a single RAS blocker.',
 'Parving HH et al. ALTITUDE. N Engl J Med 2012;367:2204-13'),

('leader-curated', 'ATC', 'A10BA02', 'V08A', 'moderate',
 'Iodinated contrast can cause acute kidney injury, and metformin retained by failing kidneys can cause lactic acidosis.',
 'In patients with eGFR below 30, acute kidney injury or intra-arterial contrast, withhold metformin from the time of contrast and restart after 48 hours once renal function is stable.',
 'ESUR Guidelines on Contrast Agents; ACR Manual on Contrast Media (metformin chapter)'),

-- ---------------------------------------------------------------------------------------
-- Lithium: reduced renal clearance
-- ---------------------------------------------------------------------------------------
('leader-curated', 'ATC', 'C03AA', 'N05AN01', 'major',
 'Thiazides cause sodium loss, and the kidney then reabsorbs more sodium and lithium proximally, raising lithium levels by about a quarter or more.',
 'Avoid if possible; otherwise reduce the lithium dose, check a level 5 to 7 days after starting and after any dose change, and warn about signs of toxicity.',
 'Finley PR. Clin Pharmacokinet 2016;55:925-41'),

('leader-curated', 'ATC', 'C09A', 'N05AN01', 'major',
 'ACE inhibitors reduce glomerular filtration and sodium retention, so lithium clearance falls and toxicity can develop, especially in older patients.',
 'Check lithium level and renal function within 1 to 2 weeks of starting or changing the ACE inhibitor and reduce the lithium dose as needed.',
 'Juurlink DN et al. J Am Geriatr Soc 2004;52:794-8; Finley PR. Clin Pharmacokinet 2016;55:925-41'),

('leader-curated', 'ATC', 'C09C', 'N05AN01', 'major',
 'Angiotensin receptor blockers reduce lithium clearance by the kidney, raising lithium levels.',
 'Check lithium level and renal function within 1 to 2 weeks of starting or changing the dose and adjust lithium.',
 'Finley PR. Clin Pharmacokinet 2016;55:925-41'),

('leader-curated', 'ATC', 'C03CA', 'N05AN01', 'moderate',
 'Loop diuretics can cause sodium and volume depletion, which makes the kidney retain lithium; hospitalisation for lithium toxicity rises after they are started.',
 'Check lithium level and electrolytes within 1 to 2 weeks of starting a loop diuretic and during intercurrent dehydration.',
 'Juurlink DN et al. J Am Geriatr Soc 2004;52:794-8'),

('leader-curated', 'ATC', 'M01A', 'N05AN01', 'major',
 'NSAIDs reduce renal prostaglandins and glomerular filtration, lowering lithium clearance and raising levels.',
 'Prefer paracetamol. If an NSAID is needed regularly, check the lithium level within about 5 days and after dose changes.',
 'Finley PR. Clin Pharmacokinet 2016;55:925-41'),

-- ---------------------------------------------------------------------------------------
-- Methotrexate, thiopurines, colchicine and calcineurin inhibitors
-- ---------------------------------------------------------------------------------------
('leader-curated', 'ATC', 'J01EE01', 'L01BA01', 'major',
 'Trimethoprim is a folate antagonist and sulfamethoxazole reduces methotrexate renal secretion and protein binding, so bone marrow suppression can be severe.',
 'Avoid; choose another antibiotic. If unavoidable, monitor full blood count and renal function closely and consider folinic acid rescue.',
 'Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43; Bourre-Tessier J, Haraoui B. J Rheumatol 2010;37:1416-21'),

('leader-curated', 'ATC', 'J01EE01', 'L04AX03', 'major',
 'Even with low weekly methotrexate, co-trimoxazole adds antifolate effect and slows methotrexate excretion, causing pancytopenia.',
 'Avoid; choose another antibiotic. If unavoidable, check full blood count within a week and watch for mouth ulcers or infection.',
 'Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43; Bourre-Tessier J, Haraoui B. J Rheumatol 2010;37:1416-21'),

('leader-curated', 'ATC', 'J01EA01', 'L01BA01', 'major',
 'Trimethoprim inhibits dihydrofolate reductase like methotrexate does, adding to its bone marrow toxicity.',
 'Avoid; choose another antibiotic. If unavoidable, monitor full blood count closely.',
 'Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43'),

('leader-curated', 'ATC', 'J01EA01', 'L04AX03', 'major',
 'Trimethoprim adds antifolate effect to low-dose methotrexate and reduces its renal excretion, risking marrow suppression.',
 'Avoid; choose another antibiotic. If unavoidable, check full blood count within a week.',
 'Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43'),

('leader-curated', 'ATC', 'L01BA01', 'M01A', 'major',
 'NSAIDs reduce renal blood flow and tubular secretion of methotrexate; with high (oncology) doses, methotrexate accumulates and causes marrow, kidney and mucosal toxicity.',
 'Avoid NSAIDs around high-dose methotrexate; if given, monitor methotrexate levels, renal function and blood counts.',
 'Bourre-Tessier J, Haraoui B. J Rheumatol 2010;37:1416-21'),

('leader-curated', 'ATC', 'L04AX03', 'M01A', 'moderate',
 'NSAIDs can reduce methotrexate excretion; at low weekly doses the effect is usually small but matters with renal impairment or dehydration.',
 'The combination is common in rheumatology: monitor renal function and full blood count, and pause the NSAID during dehydrating illness.',
 'Bourre-Tessier J, Haraoui B. J Rheumatol 2010;37:1416-21'),

('leader-curated', 'ATC', 'L04AX01', 'M04AA01', 'major',
 'Allopurinol blocks xanthine oxidase, the main enzyme inactivating azathioprine metabolites, so active thiopurine accumulates and causes severe bone marrow suppression.',
 'Avoid, or reduce azathioprine to about a quarter of the usual dose under specialist care with frequent full blood counts; febuxostat has the same problem.',
 'Azathioprine (Imuran) US prescribing information, Drug Interactions'),

('leader-curated', 'ATC', 'L01BB02', 'M04AA01', 'major',
 'Allopurinol blocks xanthine oxidase, which inactivates mercaptopurine, so mercaptopurine exposure rises sharply and can cause fatal myelosuppression.',
 'Avoid, or reduce mercaptopurine to about a quarter to a third of the usual dose under specialist care with frequent full blood counts.',
 'Mercaptopurine US prescribing information, Drug Interactions'),

('leader-curated', 'ATC', 'J01FA09', 'M04AC01', 'major',
 'Clarithromycin inhibits CYP3A4 and P-glycoprotein, which both clear colchicine; colchicine toxicity with multi-organ failure and deaths has followed, especially with renal impairment.',
 'Avoid; choose a non-macrolide antibiotic or pause colchicine. Never combine in renal or hepatic impairment.',
 'Hung IF et al. Clin Infect Dis 2005;41:291-300; Terkeltaub RA et al. Arthritis Rheum 2011;63:2226-37'),

('leader-curated', 'ATC', 'L04AD01', 'M04AC01', 'major',
 'Ciclosporin inhibits P-glycoprotein and CYP3A4, raising colchicine levels and causing myopathy and neuromyopathy.',
 'Avoid where possible; if needed, use a much reduced colchicine dose and watch for muscle weakness, diarrhoea and cytopenias.',
 'Terkeltaub RA et al. Arthritis Rheum 2011;63:2226-37'),

('leader-curated', 'ATC', 'J01FA09', 'L04AD02', 'major',
 'Clarithromycin inhibits CYP3A4 and P-glycoprotein and can raise tacrolimus levels several-fold, causing nephrotoxicity and neurotoxicity.',
 'Prefer azithromycin or another antibiotic; if clarithromycin is needed, reduce tacrolimus and check trough levels every few days.',
 'Christians U et al. Clin Pharmacokinet 2002;41:813-51'),

-- ---------------------------------------------------------------------------------------
-- Enzyme inhibition and induction with narrow-margin drugs
-- ---------------------------------------------------------------------------------------
('leader-curated', 'ATC', 'J01MA02', 'R03DA04', 'major',
 'Ciprofloxacin inhibits CYP1A2, which clears theophylline; levels can rise into the toxic range with seizures and arrhythmia.',
 'Prefer another antibiotic; if ciprofloxacin is needed, reduce the theophylline dose and check a level within 2 to 3 days.',
 'Antoniou T et al. Eur J Clin Pharmacol 2011;67:521-6'),

('leader-curated', 'ATC', 'N06AB08', 'R03DA04', 'major',
 'Fluvoxamine strongly inhibits CYP1A2 and greatly reduces theophylline clearance, risking toxicity.',
 'Avoid; choose a different antidepressant. If unavoidable, cut the theophylline dose substantially and monitor levels.',
 'Fluvoxamine US prescribing information, Drug Interactions'),

('leader-curated', 'ATC', 'J01MA02', 'M03BX02', 'contraindicated',
 'Ciprofloxacin inhibits CYP1A2 and raises tizanidine exposure around ten-fold, causing profound hypotension and sedation.',
 'Do not combine; choose another antibiotic or pause tizanidine.',
 'Granfors MT et al. Clin Pharmacol Ther 2004;76:598-606; Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43'),

('leader-curated', 'ATC', 'M03BX02', 'N06AB08', 'contraindicated',
 'Fluvoxamine strongly inhibits CYP1A2 and raises tizanidine exposure many-fold, causing severe hypotension and drowsiness.',
 'Do not combine; choose another antidepressant or muscle relaxant.',
 'Granfors MT et al. Clin Pharmacol Ther 2004;75:331-41; Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43'),

('leader-curated', 'ATC', 'N05CH02', 'N06AB08', 'contraindicated',
 'Fluvoxamine blocks CYP1A2, the main clearance route of ramelteon, raising ramelteon exposure enormously.',
 'Do not combine; choose another hypnotic or antidepressant.',
 'Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43'),

('leader-curated', 'ATC', 'J01FA09', 'N02CA02', 'contraindicated',
 'Clarithromycin inhibits CYP3A4 and raises ergotamine levels, which can cause ergotism with severe vasospasm and limb or organ ischaemia.',
 'Do not combine; choose a non-macrolide antibiotic or another migraine treatment.',
 'Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43'),

('leader-curated', 'ATC', 'J05AE03', 'N02CA02', 'contraindicated',
 'Ritonavir strongly inhibits CYP3A4 and raises ergotamine levels, causing ergotism with severe peripheral and cerebral ischaemia.',
 'Do not combine; choose another migraine treatment.',
 'Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43'),

('leader-curated', 'ATC', 'J01FA09', 'N03AF01', 'major',
 'Clarithromycin inhibits CYP3A4 metabolism of carbamazepine, raising its level within days and causing dizziness, ataxia, diplopia and hyponatraemia.',
 'Prefer a non-macrolide antibiotic; if combined, check the carbamazepine level and watch for neurotoxicity, reducing the dose as needed.',
 'Spina E, Pisani F, Perucca E. Clin Pharmacokinet 1996;31:198-214'),

('leader-curated', 'ATC', 'J01DH', 'N03AG01', 'major',
 'Carbapenems lower valproate levels rapidly and substantially (mainly by affecting its glucuronide recycling), and the effect does not respond to valproate dose increases; seizures can follow.',
 'Avoid; choose another antibiotic or cover seizures with a different antiepileptic for the course and about a week after.',
 'Mancl EE, Gidal BE. Ann Pharmacother 2009;43:2082-7'),

('leader-curated', 'ATC', 'J01FA09', 'N02AB03', 'major',
 'Clarithromycin inhibits CYP3A4, the main route of fentanyl clearance, so fentanyl can accumulate and cause fatal respiratory depression, particularly with patches.',
 'Prefer another antibiotic; if combined, reduce the fentanyl dose or increase the interval and monitor sedation and breathing.',
 'Fentanyl transdermal US prescribing information, boxed warning on CYP3A4 inhibitors'),

('leader-curated', 'ATC', 'J04AB02', 'L01CE02', 'major',
 'Rifampicin induces CYP3A4 and UGT1A1 and lowers exposure to irinotecan and its active metabolite SN-38, reducing anticancer effect.',
 'Avoid; if possible stop the inducer before irinotecan is started, or seek oncology pharmacy advice.',
 'Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43'),

('leader-curated', 'ATC', 'L01CE02', 'N03AF01', 'major',
 'Carbamazepine induces CYP3A4 and glucuronidation and lowers exposure to irinotecan and SN-38, reducing anticancer effect.',
 'Switch to a non-inducing antiepileptic before irinotecan where possible, or seek oncology pharmacy advice.',
 'Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43'),

('leader-curated', 'ATC', 'A02BC', 'J05AE08', 'major',
 'Atazanavir needs an acid stomach to dissolve; proton pump inhibitors markedly reduce its absorption, risking HIV treatment failure and resistance.',
 'Avoid; if acid suppression is essential in treatment-naive patients, use a low PPI dose with boosted atazanavir under HIV specialist advice.',
 'Phansalkar S et al. J Am Med Inform Assoc 2012;19:735-43'),

-- ---------------------------------------------------------------------------------------
-- CNS and respiratory depression
-- ---------------------------------------------------------------------------------------
('leader-curated', 'ATC', 'N02A', 'N05BA', 'major',
 'Opioids and benzodiazepines both depress breathing and consciousness through different receptors; together they greatly increase the risk of overdose death.',
 'Avoid co-prescribing where possible. If needed, use the lowest doses for the shortest time, counsel the patient and carers, and consider naloxone.',
 'FDA drug safety communication 2016 (opioids with benzodiazepines); Park TW et al. BMJ 2015;350:h2698'),

('leader-curated', 'ATC', 'N02A', 'N05CD', 'major',
 'Benzodiazepine hypnotics add to opioid depression of breathing and consciousness, increasing the risk of fatal overdose.',
 'Avoid co-prescribing where possible; if needed, use the lowest doses, review soon and counsel about sedation and breathing.',
 'FDA drug safety communication 2016 (opioids with benzodiazepines)'),

('leader-curated', 'ATC', 'N02A', 'N03AX12', 'moderate',
 'Gabapentin adds central nervous system depression to opioids and raises the risk of opioid-related respiratory depression and death.',
 'Use the lowest effective doses, reduce doses in renal impairment and monitor sedation, especially in older patients or with lung disease.',
 'Gomes T et al. PLoS Med 2017;14:e1002396; FDA drug safety communication 2019 (gabapentinoids)'),

('leader-curated', 'ATC', 'N02A', 'N03AX16', 'moderate',
 'Pregabalin adds central nervous system depression to opioids and raises the risk of respiratory depression.',
 'Use the lowest effective doses, reduce doses in renal impairment and monitor sedation and breathing.',
 'FDA drug safety communication 2019 (gabapentinoids)'),

-- ---------------------------------------------------------------------------------------
-- Glucose control
-- ---------------------------------------------------------------------------------------
('leader-curated', 'ATC', 'A10A', 'C07A', 'moderate',
 'Beta-blockers blunt the tremor and palpitations that warn of hypoglycaemia and may slow recovery from it; non-selective agents do so more.',
 'Prefer a cardioselective beta-blocker, and teach the patient that sweating and hunger may be the remaining warning signs; check glucose more often after starting.',
 'Shorr RI et al. JAMA 1997;278:40-3'),

('leader-curated', 'ATC', 'A10BB', 'J01EE01', 'moderate',
 'Sulfamethoxazole inhibits CYP2C9 metabolism of several sulfonylureas and trimethoprim may add insulin release, leading to hypoglycaemia admissions in older patients.',
 'Prefer another antibiotic in older patients; otherwise warn about hypoglycaemia and check glucose more often during the course.',
 'Parekh TM et al. JAMA Intern Med 2014;174:1605-12; Juurlink DN et al. JAMA 2003;289:1652-8');
