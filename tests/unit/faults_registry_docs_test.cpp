// The docs list what the registry holds: every registered action has its row in the
// README's actions table, so a new action cannot ship undocumented.
#include <gtest/gtest.h>

#include <cstdlib>

#include "base/file.hpp"
#include "faults/action.hpp"

namespace faultline::faults {
namespace {

TEST(FaultsRegistry, TheReadmeActionsTableNamesEveryRegisteredAction) {
  const char* source_dir = std::getenv("FAULTLINE_SOURCE_DIR");
  ASSERT_NE(source_dir, nullptr) << "ctest sets FAULTLINE_SOURCE_DIR";
  const auto readme = read_file(std::string(source_dir) + "/README.md");
  ASSERT_TRUE(readme);
  for (const auto& info : kActionInfos) {
    const std::string row = "\n| " + std::string(info.name) + " | `" + std::string(info.name);
    EXPECT_NE(readme->find(row), std::string::npos)
        << "README.md has no row for action '" << info.name << "' in its actions table";
  }
}

}  // namespace
}  // namespace faultline::faults
