-- Input files of the build with their row counts and checksums.
SELECT file, input_rows, accepted, rejected, sha256, bytes FROM build_files ORDER BY file
