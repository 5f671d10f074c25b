# The Debian package (`make package`, or `cpack -G DEB` in the build dir),
# built by CPack from the install rules: ringmasterd, ringctl, the man pages,
# the completion, the example /etc/ringmaster/watchers.ini (a conffile) and,
# once it exists, the systemd unit. Dependencies are computed from the
# binaries by dpkg-shlibdeps (Debian's dpkg-dev).
set(RINGMASTER_PACKAGE_MAINTAINER "ringmaster developers <ringmaster@example.invalid>"
    CACHE STRING "The Maintainer field of the Debian package")

set(CPACK_GENERATOR DEB)
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_PACKAGE_NAME ringmaster)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "process supervisor for long-running workers (Circus-compatible)")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
       "ringmasterd reads Circus-style watchers.ini files and keeps every\n"
       "watcher's processes running: respawn with backoff, graceful and rolling\n"
       "restarts, output capture, an HTTP status page. ringctl controls it over\n"
       "ZeroMQ with the Circus protocol.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Release binaries; the ELF build id that `ringmasterd --version` prints stays.
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${RINGMASTER_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# dpkg keeps a locally edited config across upgrades and asks before replacing it.
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/debian/conffiles "/etc/ringmaster/watchers.ini\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_CURRENT_BINARY_DIR}/debian/conffiles)

install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

include(CPack)
