# Debian package of faultline (`make package`, or `cpack` in the build directory):
#   /usr/bin/faultline
#   /etc/faultline/faultline.toml                 the example config (a conffile)
#   /lib/systemd/system/faultline.service         deploy/systemd/faultline.service
#   /usr/share/doc/faultline/README.md, faultline.example.toml
# Included from the top-level CMakeLists.txt. Runtime dependencies come from
# dpkg-shlibdeps (the libraries the binary links), so they follow the build machine.

install(TARGETS faultline RUNTIME DESTINATION bin COMPONENT faultline)
# Absolute destinations: /etc and /lib/systemd are where Debian looks, whatever the prefix.
install(FILES ${PROJECT_SOURCE_DIR}/deploy/faultline.example.toml
  DESTINATION /etc/faultline RENAME faultline.toml COMPONENT faultline)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/faultline.service
  DESTINATION /lib/systemd/system COMPONENT faultline)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/deploy/faultline.example.toml
  DESTINATION share/doc/faultline COMPONENT faultline)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME faultline)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "faultline maintainers <faultline@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "chaos and fault-injection HTTP reverse proxy with a load generator")
set(CPACK_PACKAGE_DESCRIPTION "faultline sits in front of a staging HTTP service and injects latency,\
 errors, resets, hangs, throttling, truncation and corruption per request, switches fault\
 profiles while running, and exports Prometheus metrics.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_WARN_ON_ABSOLUTE_INSTALL_DESTINATION OFF)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)            # faultline_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# dpkg keeps a conffile the admin edited across upgrades (and asks) instead of overwriting it.
set(FAULTLINE_DEB_CONFFILES ${CMAKE_CURRENT_BINARY_DIR}/deb/conffiles)
file(WRITE ${FAULTLINE_DEB_CONFFILES} "/etc/faultline/faultline.toml\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${FAULTLINE_DEB_CONFFILES}
  ${PROJECT_SOURCE_DIR}/deploy/deb/postinst ${PROJECT_SOURCE_DIR}/deploy/deb/prerm ${PROJECT_SOURCE_DIR}/deploy/deb/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
