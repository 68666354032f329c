# CPack settings: one package per platform from one place. The version is the
# project's (CMAKE_PROJECT_VERSION); nothing here repeats it.
#   Linux:   cpack -G DEB   -> farmchat_<version>_<arch>.deb
#            cpack -G TGZ   -> farmchat-<version>-Linux.tar.gz (relocatable tree)
#   Windows: cpack -G NSIS  -> farmchat-<version>-win64.exe
#   macOS:   cpack -G DragNDrop -> farmchat-<version>-Darwin.dmg

set(CPACK_PACKAGE_NAME "farmchat")
set(CPACK_PACKAGE_VENDOR "FarmChat maintainers")
set(CPACK_PACKAGE_CONTACT "FarmChat maintainers <maintainers@farmchat.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "see a chat app scaled out with a Redis backplane")
set(CPACK_PACKAGE_DESCRIPTION
    "FarmChat launches a small local web farm: several chat server nodes speaking
the SignalR JSON hub protocol and a private Redis server. The desktop app
opens a chat pane on every node and shows each message crossing, or failing
to cross, from node to node while the Redis backplane is off, on (pub/sub) or
on with replay (streams). farmchat-launcher runs the same farm and a scripted
demo from a terminal; farmchat-node is one chat node.")
set(CPACK_PACKAGE_HOMEPAGE_URL "${PROJECT_HOMEPAGE_URL}")
set(CPACK_PACKAGE_INSTALL_DIRECTORY "FarmChat")
# NSIS: a Start menu entry for bin/farmchat.exe (CPACK_NSIS_EXECUTABLES_DIRECTORY).
set(CPACK_PACKAGE_EXECUTABLES "farmchat" "FarmChat")
set(CPACK_RESOURCE_FILE_LICENSE "${CMAKE_CURRENT_SOURCE_DIR}/license.txt")
set(CPACK_STRIP_FILES TRUE)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build[^/]*/" "/node_modules/")

if(WIN32)
    set(CPACK_GENERATOR "NSIS;ZIP")
elseif(APPLE)
    set(CPACK_GENERATOR "DragNDrop")
else()
    set(CPACK_GENERATOR "DEB;TGZ")
endif()

# --- Debian ------------------------------------------------------------------
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${PROJECT_HOMEPAGE_URL}")
# Depends: dpkg-shlibdeps reads the Qt 6 and hiredis sonames off the binaries.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The launcher starts a private redis-server (or uses --redis-url), so Redis
# is wanted but not required; so is haproxy, which it starts for --lb; qt6-wayland lets the app run natively on Wayland
# (it falls back to XWayland through the xcb plugin in libqt6gui6).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "redis-server, haproxy")
if(TARGET farmchat)
    string(APPEND CPACK_DEBIAN_PACKAGE_RECOMMENDS ", qt6-wayland")
endif()
# Files get root ownership and 0755/0644, as lintian expects. The package
# installs under /usr (CPack's DEB default); the tarball unpacks to
# farmchat-<version>-Linux/{bin,share} and runs from anywhere, because the
# programs find each other next to themselves.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

# --- Windows (NSIS) ------------------------------------------------------------
set(CPACK_NSIS_PACKAGE_NAME "FarmChat ${PROJECT_VERSION}")
set(CPACK_NSIS_DISPLAY_NAME "FarmChat")
set(CPACK_NSIS_MUI_ICON "${PROJECT_SOURCE_DIR}/resources/icons/farmchat.ico")
set(CPACK_NSIS_MUI_UNIICON "${PROJECT_SOURCE_DIR}/resources/icons/farmchat.ico")
set(CPACK_NSIS_INSTALLED_ICON_NAME "bin\\\\farmchat.exe")
set(CPACK_NSIS_URL_INFO_ABOUT "${PROJECT_HOMEPAGE_URL}")
set(CPACK_NSIS_CONTACT "${CPACK_PACKAGE_CONTACT}")
set(CPACK_NSIS_ENABLE_UNINSTALL_BEFORE_INSTALL ON)
set(CPACK_NSIS_MODIFY_PATH OFF)

# --- macOS (DragNDrop) -------------------------------------------------------
set(CPACK_DMG_VOLUME_NAME "FarmChat ${PROJECT_VERSION}")
set(CPACK_DMG_FORMAT "UDBZ")
set(CPACK_BUNDLE_ICON "${PROJECT_SOURCE_DIR}/resources/icons/farmchat.icns")

include(CPack)
