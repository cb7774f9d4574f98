-- Whether the unacceptable question was asked and which letters were flagged, in agg_assessments' row order.
SELECT assessment_id, unacceptable_asked, coalesce(unacceptable_letters, '') AS unacceptable_letters
FROM assessments
ORDER BY assessment_id
