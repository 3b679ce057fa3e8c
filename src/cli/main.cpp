// janitor-async: the command line. Thin: parsing, prompts and output; the
// work is done by the engine and the client below.

#include "commands.hpp"
#include "output.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>

namespace {

void add_common(CLI::App& cmd, janitor::cli::common_flags& c) {
  cmd.add_option("--region", c.region, "AWS region (else AWS_REGION, AWS_DEFAULT_REGION, the profile)");
  cmd.add_option("--profile", c.profile, "profile of the shared config/credentials files (else AWS_PROFILE)");
  cmd.add_option(
      "--endpoint-url", c.endpoint_url,
      "service endpoint (else AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL); http:// only on loopback");
  cmd.add_option("--ca-bundle", c.ca_bundle,
                 "PEM file of CAs to trust (else AWS_CA_BUNDLE, the system store)");
  cmd.add_option("--output", c.output, "text or json")->check(CLI::IsMember({"text", "json"}));
  cmd.add_flag("-v,--verbose", c.verbose,
               "log each call to stderr (ids and keys only, never values); -vv for more");
  auto* record = cmd.add_option("--record", c.record,
                                "record this run's HTTP exchanges to a cassette (values redacted)");
  auto* replay = cmd.add_option("--replay", c.replay, "run offline from a cassette made with --record");
  cmd.add_flag("--record-plaintext", c.record_plaintext,
               "keep secret values in the cassette in the clear (fixtures with fake data only)")
      ->needs(record);
  record->excludes(replay);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace janitor::cli;
  CLI::App app{
      "janitor-async: change single entries of an AWS Secrets Manager JSON secret,\n"
      "never overwriting a change it did not see."};
  app.set_version_flag("--version", std::string("janitor-async ") + JANITOR_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 applied, no change or success; 2 conflict; 3 unsupported secret shape;\n"
      "1 any other failure (AWS, network, credentials); 64 usage error.\n"
      "Docs: docs/cli.md");

  common_flags common;
  write_flags w;
  auto* write = app.add_subcommand("write", "set or remove entries of one or more JSON secrets");
  write->add_option("SECRET_ID", w.secret_ids, "secret name or ARN (several: bulk)");
  write->add_option("--secret-ids-file", w.secret_ids_file, "file with one secret id per line ('-': stdin)");
  write->add_option("--set", w.edits.set, "KEY=VALUE (visible to other local users in the process list)")
      ->take_all();
  write->add_option("--set-file", w.edits.set_file, "KEY=PATH: the value is the file's exact bytes")
      ->take_all();
  write->add_option("--set-env", w.edits.set_env, "KEY=VAR: the value of environment variable VAR")
      ->take_all();
  write->add_option("--edits-file", w.edits.edits_file,
                    "lines KEY=VALUE (set) and -KEY (remove); '-': stdin");
  write->add_option("--remove", w.edits.remove, "KEY to remove")->take_all();
  write->add_flag("--dry-run", w.dry_run, "show the masked preview, write nothing");
  write->add_flag("--yes,-y", w.yes, "do not ask; without it a non-interactive run refuses");
  write->add_option("--max-attempts", w.max_attempts,
                    "staged attempts per secret under contention (default 5)");
  write->add_option("--concurrency", w.concurrency, "secrets written at once in a bulk run (default 8)");
  write->add_option("--max-tps", w.max_tps,
                    "mutating calls per second for the whole run (default 40; the service allows about 50)");
  add_common(*write, common);
  write->footer(
      "Examples:\n"
      "  janitor-async write app/config --set DB_HOST=db2.internal --yes\n"
      "  janitor-async write app/config --set-file TLS_KEY=key.pem --remove OLD_KEY\n"
      "  printf 'A=1\\n-B\\n' | janitor-async write app/config --edits-file - --yes --output json\n"
      "  janitor-async write --secret-ids-file ids.txt --set LOG_LEVEL=info --dry-run");

  std::string show_id;
  auto* show = app.add_subcommand("show", "masked view: keys, value types and lengths, version, stages");
  show->add_option("SECRET_ID", show_id, "secret name or ARN")->required();
  add_common(*show, common);
  show->footer("Example:\n  janitor-async show app/config --output json");

  std::string versions_id;
  auto* versions =
      app.add_subcommand("versions", "versions with stages and dates; flags janitor-pending labels");
  versions->add_option("SECRET_ID", versions_id, "secret name or ARN")->required();
  add_common(*versions, common);
  versions->footer("Example:\n  janitor-async versions app/config");

  sweep_flags sw;
  auto* sweep = app.add_subcommand("sweep", "remove orphaned janitor-pending-* labels");
  sweep->add_option("SECRET_ID", sw.secret_id, "secret name or ARN")->required();
  sweep->add_flag("--dry-run", sw.dry_run, "show what would be removed");
  sweep->add_flag("--yes,-y", sw.yes, "do not ask");
  sweep->add_flag("--force", sw.force,
                  "also remove labels made in the last minutes (a write may be running)");
  sweep->add_option("--min-age", sw.min_age_minutes,
                    "minutes a label must be old to be removed without --force");
  add_common(*sweep, common);
  sweep->footer("Example:\n  janitor-async sweep app/config --yes");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : exit_usage;
  }
  try {
    if (write->parsed()) return run_write(common, w);
    if (show->parsed()) return run_show(common, show_id);
    if (versions->parsed()) return run_versions(common, versions_id);
    if (sweep->parsed()) return run_sweep(common, sw);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "janitor-async: internal error: %s\n", e.what());
    return exit_failure;
  }
  return exit_usage;
}
