# Installation: headers, static libraries and a CMake package, so that a consumer writes
#
#   find_package(ignis REQUIRED)
#   target_link_libraries(app PRIVATE ignis::ignis)

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(IGNIS_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/ignis)

install(TARGETS ignis ignis_core ignis_router ignis_json ignis_http
  EXPORT ignisTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
foreach(module core router json http)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${module}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endforeach()

install(EXPORT ignisTargets NAMESPACE ignis:: DESTINATION ${IGNIS_INSTALL_CMAKEDIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/ignisConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/ignisConfig.cmake INSTALL_DESTINATION ${IGNIS_INSTALL_CMAKEDIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/ignisConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/ignisConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/ignisConfigVersion.cmake
  DESTINATION ${IGNIS_INSTALL_CMAKEDIR})
