SELECT kind, n_items, n_positive, n_negative, n_zero, share_positive, ci_low, ci_high, n_scores,
       share_scores_negative, n_prompts, n_participants
FROM rubric_kind_shares
ORDER BY kind DESC
