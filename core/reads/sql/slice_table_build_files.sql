-- The build's input files for download (no participant values: nothing to suppress).
SELECT file, input_rows, accepted, rejected, sha256, bytes FROM build_files ORDER BY file
