# The .NET parts: the ASP.NET Core reference node (peers/aspnetcore) and the
# .NET client tests (tests/dotnet). Optional for users, required in CI
# (FARMCHAT_REQUIRE_DOTNET, which scripts/test.sh sets when CI=true), so the
# interop tests can never be skipped there without a failure.
option(FARMCHAT_REQUIRE_DOTNET "Fail the configure step when the .NET SDK is missing" OFF)
option(FARMCHAT_BUILD_DOTNET "Build the .NET parts and their tests when the .NET SDK is present" ON)

if(NOT FARMCHAT_BUILD_DOTNET)
    if(FARMCHAT_REQUIRE_DOTNET)
        message(FATAL_ERROR "FARMCHAT_REQUIRE_DOTNET and FARMCHAT_BUILD_DOTNET=OFF contradict each other")
    endif()
    set(FARMCHAT_DOTNET "") # shadows a cached path from an earlier configure
    return()
endif()

find_program(FARMCHAT_DOTNET dotnet)
if(NOT FARMCHAT_DOTNET)
    set(farmchat_dotnet_install "the .NET SDK 10 (https://learn.microsoft.com/dotnet/core/install/linux-debian; \
on Debian/Ubuntu with Microsoft's package feed: apt-get install dotnet-sdk-10.0)")
    if(FARMCHAT_REQUIRE_DOTNET)
        message(FATAL_ERROR "FARMCHAT_REQUIRE_DOTNET is on but dotnet is not on PATH: the ASP.NET Core "
            "reference node and the .NET interop tests need ${farmchat_dotnet_install}")
    endif()
    message(NOTICE "FarmChat: dotnet not found, so the ASP.NET Core reference node and the .NET interop "
        "tests are left out; they need ${farmchat_dotnet_install}")
    return()
endif()

set(farmchat_dotnet_projects peers/aspnetcore)
if(FARMCHAT_BUILD_TESTS)
    list(APPEND farmchat_dotnet_projects tests/dotnet)
endif()
# Always runs; the script skips a project whose sources did not change.
add_custom_target(farmchat_dotnet ALL
    COMMAND "${PROJECT_SOURCE_DIR}/scripts/build-dotnet.sh" "${PROJECT_BINARY_DIR}" ${farmchat_dotnet_projects}
    USES_TERMINAL
    COMMENT "scripts/build-dotnet.sh: the .NET parts")
set(FARMCHAT_ASPNETCORE_NODE "${PROJECT_BINARY_DIR}/peers/aspnetcore/farmchat-aspnetcore-node")
