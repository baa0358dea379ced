# Generates a C++ source that maps "catalog/plans.csv"-style names to file contents, so the
# binary carries its default catalogue, migrations and invoice templates. Regenerated whenever a resource changes.
function(tr1l_embed_resources output)
  set(resources ${ARGN})
  string(REPLACE ";" "|" joined_resources "${resources}")
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} -DSOURCE_ROOT=${CMAKE_SOURCE_DIR}
            "-DRESOURCES=${joined_resources}" -P ${CMAKE_SOURCE_DIR}/cmake/GenerateEmbedded.cmake
    DEPENDS ${resources} ${CMAKE_SOURCE_DIR}/cmake/GenerateEmbedded.cmake
    COMMENT "Embedding catalogue, migrations and invoice templates"
    VERBATIM)
endfunction()
