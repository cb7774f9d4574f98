-- The released country-of-residence label for each ISO code (the most common spelling).
SELECT country, mode(country_of_residence) AS label
FROM annotators
WHERE country IS NOT NULL
GROUP BY country
