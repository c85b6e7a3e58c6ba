# embed_files(TARGET NAMESPACE FILES...): compiles the files into TARGET as
# `std::string_view NAMESPACE::Embedded(std::string_view file_name)`, so the binary needs no data
# files at run time. A file's name is its base name ("search_issues.input.json").
function(embed_files target namespace)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${target}_embedded.cc")
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DNAMESPACE=${namespace} "-DFILES=${ARGN}"
            -P "${PROJECT_SOURCE_DIR}/cmake/EmbedFilesScript.cmake"
    DEPENDS ${ARGN} "${PROJECT_SOURCE_DIR}/cmake/EmbedFilesScript.cmake"
    COMMENT "Embedding data files into ${target}"
    VERBATIM)
  target_sources(${target} PRIVATE "${out}")
endfunction()
