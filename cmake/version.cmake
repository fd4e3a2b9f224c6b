# Run at BUILD time (cmake -P) by the smesim_version target: stamps `git describe --always
# --dirty` of SOURCE_DIR into OUTPUT from TEMPLATE. configure_file rewrites OUTPUT only when its
# text changes, so an unchanged commit recompiles nothing and a new commit (or a dirty tree)
# recompiles only the few files that include version.hpp.
# Arguments: -DSOURCE_DIR=... -DTEMPLATE=... -DOUTPUT=... -DPROJECT_VERSION=...
execute_process(COMMAND git describe --always --dirty --abbrev=12
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE SMESIM_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE git_result ERROR_QUIET)
if(NOT git_result EQUAL 0 OR NOT SMESIM_GIT_COMMIT)
  set(SMESIM_GIT_COMMIT "unknown")  # not a git checkout (e.g. a source tarball)
endif()
configure_file(${TEMPLATE} ${OUTPUT} @ONLY)
