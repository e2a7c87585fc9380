# Fails when any C++ file in the tree is not clang-format clean (the style is .clang-format).
find_program(CLANG_FORMAT NAMES clang-format clang-format-14 REQUIRED)
file(GLOB_RECURSE files
  ${SOURCE_DIR}/cli/*.cpp ${SOURCE_DIR}/cli/*.h ${SOURCE_DIR}/model/*.cpp ${SOURCE_DIR}/model/*.h
  ${SOURCE_DIR}/config/*.cpp ${SOURCE_DIR}/config/*.h ${SOURCE_DIR}/crawler/*.cpp ${SOURCE_DIR}/crawler/*.h
  ${SOURCE_DIR}/matcher/*.cpp ${SOURCE_DIR}/matcher/*.h ${SOURCE_DIR}/store/*.cpp ${SOURCE_DIR}/store/*.h
  ${SOURCE_DIR}/alerts/*.cpp ${SOURCE_DIR}/alerts/*.h ${SOURCE_DIR}/tests/*.cpp ${SOURCE_DIR}/tests/*.h
  ${SOURCE_DIR}/bench/*.cpp ${SOURCE_DIR}/bench/*.h)
execute_process(COMMAND ${CLANG_FORMAT} --dry-run -Werror ${files} RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "clang-format: these files need formatting (run: clang-format -i <file>):\n${err}")
endif()
