# One helper per kind of target, so every library, executable and test is made
# the same way: strict Qt defines, warnings on, the project's include layout.

set(FARMCHAT_WARNING_FLAGS -Wall -Wextra -Wpedantic)

function(farmchat_target_defaults target)
    target_compile_definitions(${target} PRIVATE
        QT_NO_KEYWORDS
        QT_NO_URL_CAST_FROM_STRING
        QT_USE_QSTRINGBUILDER
        QT_NO_CAST_FROM_BYTEARRAY
        QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
        QT_NO_FOREACH)
    if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
        target_compile_options(${target} PRIVATE ${FARMCHAT_WARNING_FLAGS})
    elseif(MSVC)
        target_compile_options(${target} PRIVATE /W4 /permissive-)
    endif()
    # Hardening as distributions build: fortified libc calls where the
    # optimiser can check sizes, a stack protector, and a read-only GOT.
    if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang" AND NOT FARMCHAT_SANITIZE AND NOT FARMCHAT_FUZZ)
        target_compile_definitions(${target} PRIVATE $<$<NOT:$<CONFIG:Debug>>:_FORTIFY_SOURCE=2>)
        target_compile_options(${target} PRIVATE -fstack-protector-strong)
        if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
            target_link_options(${target} PRIVATE LINKER:-z,relro,-z,now)
        endif()
    endif()
    if(FARMCHAT_SANITIZE)
        target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
        target_link_options(${target} PRIVATE -fsanitize=address,undefined)
    endif()
    if(FARMCHAT_FUZZ)
        # Coverage for libFuzzer in every library it reaches; fuzz/ links the driver.
        target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined
            -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
        target_link_options(${target} PRIVATE -fsanitize=address,undefined)
    endif()
endfunction()

# farmchat_add_library(<name> ALIAS <Ns::Name> SOURCES ... [PUBLIC_LIBS ...] [PRIVATE_LIBS ...])
# A static library whose headers are included as "<folder>/<file>.h" from the
# source root, e.g. #include "protocol/chatmessage.h".
function(farmchat_add_library name)
    cmake_parse_arguments(ARG "" "ALIAS" "SOURCES;PUBLIC_LIBS;PRIVATE_LIBS" ${ARGN})
    qt_add_library(${name} STATIC ${ARG_SOURCES})
    if(ARG_ALIAS)
        add_library(${ARG_ALIAS} ALIAS ${name})
    endif()
    target_include_directories(${name} PUBLIC
        "$<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>"
        "$<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/generated>")
    target_link_libraries(${name} PUBLIC ${ARG_PUBLIC_LIBS} PRIVATE ${ARG_PRIVATE_LIBS})
    farmchat_target_defaults(${name})
endfunction()

# farmchat_add_executable(<name> SOURCES ... [LIBS ...])
function(farmchat_add_executable name)
    cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
    qt_add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE ${ARG_LIBS})
    farmchat_target_defaults(${name})
endfunction()

# farmchat_add_test(<name> SOURCES ... [LIBS ...] [LABELS ...] [TIMEOUT s]
#                   [ENVIRONMENT VAR=value ...] [GUI])
# A Qt Test executable registered with ctest. Every test gets the paths of the
# project's binaries in its environment so it never guesses where they are.
function(farmchat_add_test name)
    cmake_parse_arguments(ARG "GUI" "TIMEOUT" "SOURCES;LIBS;LABELS;ENVIRONMENT" ${ARGN})
    qt_add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE Qt6::Test ${ARG_LIBS})
    farmchat_target_defaults(${name})
    add_test(NAME ${name} COMMAND ${name})
    if(NOT ARG_TIMEOUT)
        set(ARG_TIMEOUT 120)
    endif()
    if(NOT ARG_LABELS)
        set(ARG_LABELS unit)
    endif()
    set(env ${ARG_ENVIRONMENT} ${FARMCHAT_TEST_ENVIRONMENT})
    if(ARG_GUI)
        list(APPEND env QT_QPA_PLATFORM=offscreen)
    endif()
    set_tests_properties(${name} PROPERTIES
        LABELS "${ARG_LABELS}"
        TIMEOUT ${ARG_TIMEOUT}
        ENVIRONMENT "${env}")
endfunction()

# farmchat_add_script_test(<name> COMMAND ... [LABELS ...] [TIMEOUT s] [ENVIRONMENT ...])
# A test driven by a script (Node.js, shell) rather than a Qt Test binary.
function(farmchat_add_script_test name)
    cmake_parse_arguments(ARG "" "TIMEOUT;WORKING_DIRECTORY" "COMMAND;LABELS;ENVIRONMENT" ${ARGN})
    if(NOT ARG_WORKING_DIRECTORY)
        set(ARG_WORKING_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}")
    endif()
    add_test(NAME ${name} COMMAND ${ARG_COMMAND} WORKING_DIRECTORY "${ARG_WORKING_DIRECTORY}")
    if(NOT ARG_TIMEOUT)
        set(ARG_TIMEOUT 120)
    endif()
    set_tests_properties(${name} PROPERTIES
        LABELS "${ARG_LABELS}"
        TIMEOUT ${ARG_TIMEOUT}
        ENVIRONMENT "${ARG_ENVIRONMENT};${FARMCHAT_TEST_ENVIRONMENT}")
endfunction()
