-- Ranker runs, real runs first, newest first: the first row is the site's default run.
SELECT run_id, ranker_name, model, base_url_host, spec_version, template_version, created_at, synthetic,
       n_prompts, n_ok, n_failed, n_matched
FROM ranker_runs
ORDER BY synthetic, created_at DESC, run_id
