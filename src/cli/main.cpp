// janitor-async: the command line. Thin: parsing, prompts and output only.

#include <CLI/CLI.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  CLI::App app{
      "janitor-async: change single entries of an AWS Secrets Manager JSON secret,\n"
      "never overwriting a change it did not see."};
  app.set_version_flag("--version", std::string("janitor-async ") + JANITOR_VERSION);
  app.require_subcommand(0);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 64;
  }
  std::puts(app.help().c_str());
  return 0;
}
