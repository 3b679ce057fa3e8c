# One place for the compile options every project target gets.
function(janitor_project_options target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
  # GCC 12 reports a false mismatched-new-delete on every Asio awaitable frame
  # (the frame's class-specific operator new/delete are a matching pair).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-mismatched-new-delete)
  endif()
  if(JANITOR_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  # Boost.Asio with C++20 coroutines; no deprecated Asio names.
  target_compile_definitions(${target} PRIVATE BOOST_ASIO_NO_DEPRECATED)
endfunction()

if(JANITOR_SANITIZE_ADDRESS)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
if(JANITOR_SANITIZE_THREAD)
  # -Wno-tsan: GCC warns that Asio's atomic_thread_fence is invisible to TSan (a header we do not own).
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan)
  add_link_options(-fsanitize=thread)
endif()
if(JANITOR_COVERAGE)
  add_compile_options(--coverage -O0 -g)
  add_link_options(--coverage)
endif()
