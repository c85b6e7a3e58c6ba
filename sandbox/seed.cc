#include "sandbox/seed.h"

#include <fmt/format.h>

#include <random>

namespace sandbox {
namespace {

constexpr std::int64_t kHour = 3600LL * 1000;
constexpr std::int64_t kDay = 24 * kHour;
// 2025-11-03T09:00:00Z, a Monday: the team's first day in the sandbox.
constexpr std::int64_t kEpoch = 1762160400000LL;

struct Draft {
  const char* type;  // issue type name
  const char* summary;
  int parent;  // index into the same list, -1 for none
  const char* labels;
};

// MOB: a mobile app team. Parents refer to earlier rows.
constexpr Draft kMobile[] = {
    {"Epic", "Offline mode", -1, "offline"},
    {"Epic", "Onboarding redesign", -1, "onboarding,ux"},
    {"Epic", "Payments v2", -1, "payments"},
    {"Story", "Cache the last 50 viewed orders on the device", 0, "offline"},
    {"Story", "Queue edits made without a connection and replay them", 0, "offline"},
    {"Story", "Show an offline banner with the time of the last sync", 0, "offline,ux"},
    {"Task", "Pick a local database for the offline cache", 0, "offline,spike"},
    {"Bug", "Replayed edits are applied twice after a flaky reconnect", 0, "offline"},
    {"Story", "Welcome carousel with three value screens", 1, "onboarding,ux"},
    {"Story", "Sign in with a magic link sent by e-mail", 1, "onboarding,auth"},
    {"Story", "Ask for notification permission after the first order", 1, "onboarding"},
    {"Task", "Write copy for the onboarding screens", 1, "onboarding,content"},
    {"Bug", "Carousel skips the last screen on small Android phones", 1, "onboarding,android"},
    {"Story", "Pay with Apple Pay at checkout", 2, "payments,ios"},
    {"Story", "Pay with Google Pay at checkout", 2, "payments,android"},
    {"Story", "Save cards for later with the payment provider's vault", 2, "payments"},
    {"Task", "Threat-model the new checkout flow", 2, "payments,security"},
    {"Bug", "Checkout button stays disabled after a declined card", 2, "payments"},
    {"Bug", "Crash when rotating the phone on the order detail screen", -1, "android,crash"},
    {"Bug", "Dark mode: prices are unreadable on the cart screen", -1, "ux"},
    {"Bug", "Push notifications arrive twice on iOS 18", -1, "ios,notifications"},
    {"Task", "Upgrade the React Native toolchain", -1, "tech-debt"},
    {"Task", "Move crash reporting to the new project", -1, "tech-debt"},
    {"Story", "Search orders by product name", -1, "search"},
    {"Story", "Filter orders by status", -1, "search"},
    {"Task", "Add accessibility labels to every icon button", -1, "a11y"},
    {"Bug", "VoiceOver reads the order total twice", -1, "a11y,ios"},
    {"Story", "Reorder a past order with one tap", -1, ""},
    {"Task", "Set up release notes automation for the stores", -1, "release"},
    {"Bug", "App start takes over four seconds on a cold start", -1, "performance"},
    {"Subtask", "Profile the app start on a low-end Android device", 29, "performance"},
    {"Subtask", "Lazy-load the map module", 29, "performance"},
    {"Story", "Show delivery progress on a live map", -1, "maps"},
    {"Bug", "Map pins jump when the list is scrolled", -1, "maps"},
    {"Task", "Document the release checklist", -1, "release,docs"},
    {"Story", "Let users change the app language", -1, "i18n"},
    {"Subtask", "Extract all strings into translation files", 35, "i18n"},
    {"Bug", "German texts overflow the buttons on the settings screen", -1, "i18n,ux"},
    {"Task", "Rotate the API signing certificate", -1, "security"},
    {"Story", "Rate the app prompt after the third delivered order", -1, ""},
    {"Bug", "Logout does not clear the cached profile picture", -1, "security"},
    {"Task", "Review analytics events for personal data", -1, "privacy"},
    {"Story", "Export order history as a PDF", -1, ""},
    {"Task", "Plan the beta programme for Payments v2", 2, "payments,release"},
};

// MKT: the launch campaign, run by marketing in a business project.
constexpr Draft kMarketing[] = {
    {"Task", "Draft the launch announcement blog post", -1, "launch,content"},
    {"Task", "Book the photo shoot for the app store screenshots", -1, "launch"},
    {"Task", "Prepare the press kit", -1, "launch,press"},
    {"Task", "Translate the store listing into German and French", -1, "i18n"},
    {"Task", "Schedule the newsletter for launch day", -1, "launch,email"},
    {"Task", "Brief the support team on the new features", -1, "support"},
    {"Task", "Record a 60-second product video", -1, "video"},
    {"Task", "Collect three customer quotes for the landing page", -1, "content"},
    {"Task", "Update the pricing page", -1, "web"},
    {"Task", "Plan the launch-week social posts", -1, "social"},
    {"Task", "Create a referral offer for existing customers", -1, "growth"},
    {"Task", "Write the FAQ for Payments v2", -1, "content,payments"},
    {"Subtask", "Review the FAQ with the payments team", 11, "payments"},
    {"Task", "Measure sign-ups from the launch campaign", -1, "analytics"},
};

// OPS on the second site: a small infrastructure team's kanban.
constexpr Draft kOperations[] = {
    {"Task", "Renew the TLS certificates for the staging cluster", -1, "certs"},
    {"Bug", "Nightly backup job exceeds its time window", -1, "backup"},
    {"Task", "Add disk usage alerts to the database hosts", -1, "monitoring"},
    {"Task", "Write the on-call handbook", -1, "docs"},
    {"Bug", "Log shipping drops lines during peaks", -1, "logging"},
    {"Task", "Patch the build agents", -1, "security"},
};

constexpr const char* kComments[] = {
    "I had a look at this; the fix should be small.",
    "Can we pair on this tomorrow morning?",
    "Blocked until the API change is deployed to staging.",
    "Reproduced on a Pixel 6 with the latest build.",
    "Moved to the next sprint, we ran out of time.",
    "Design is attached in the Figma file, see the Checkout page.",
    "PR is up, reviews welcome.",
    "Tested on iOS and Android, works as expected.",
    "We should add a test for this case.",
    "Product agrees with the proposal; go ahead.",
    "This overlaps with the work on the offline cache.",
    "Customer reported this again today.",
    "Numbers look good after the change: 30% faster.",
    "Let's keep the scope small and ship it behind a flag.",
};

constexpr const char* kCriteria[] = {
    "Works on iOS and Android",          "Covered by an automated test",
    "Copy reviewed by the content team", "Analytics event added",
    "Accessible with a screen reader",
};

class Rng {
 public:
  explicit Rng(std::uint32_t seed) : engine_(seed) {}
  // Uniform enough for seed data; avoids the implementation-defined distributions so the data
  // is the same with every standard library.
  std::size_t Below(std::size_t n) { return static_cast<std::size_t>(engine_() % n); }

 private:
  std::mt19937 engine_;
};

Json AdfList(const char* type, const std::vector<std::string>& items) {
  Json list = {{"type", type}, {"content", Json::array()}};
  if (std::string_view(type) == "orderedList") {
    list["attrs"] = {{"order", 1}};
  }
  for (const auto& item : items) {
    list["content"].push_back(
        {{"type", "listItem"}, {"content", Json::array({AdfParagraph(item)})}});
  }
  return list;
}

Json AdfHeading(const std::string& text) {
  return {{"type", "heading"}, {"attrs", {{"level", 3}}}, {"content", {AdfText(text)}}};
}

Json Describe(const Draft& draft, Rng& rng) {
  const std::string type = draft.type;
  Json content = Json::array();
  if (type == "Bug") {
    content.push_back(AdfParagraph(fmt::format("{}.", draft.summary)));
    content.push_back(AdfHeading("Steps to reproduce"));
    content.push_back(
        AdfList("orderedList", {"Install the latest beta build", "Open the affected screen",
                                "Repeat the action described above"}));
    content.push_back(AdfParagraph("Expected: the app behaves normally. Actual: see summary."));
  } else if (type == "Story") {
    content.push_back(AdfParagraph(fmt::format("As a customer I want this: {}.", draft.summary)));
    content.push_back(AdfHeading("Acceptance criteria"));
    const std::size_t first = rng.Below(std::size(kCriteria));
    content.push_back(
        AdfList("bulletList", {kCriteria[first], kCriteria[(first + 2) % std::size(kCriteria)]}));
  } else if (type == "Epic") {
    content.push_back(AdfParagraph(fmt::format(
        "{}: the umbrella for the stories below. Goal for this quarter.", draft.summary)));
  } else {
    content.push_back(AdfParagraph(fmt::format("{}. Notes and links go here.", draft.summary)));
  }
  return AdfDoc(std::move(content));
}

User MakeUser(const char* login, const char* name, const char* zone, std::string account_id) {
  return User{.account_id = std::move(account_id),
              .login = login,
              .display_name = name,
              .email = fmt::format("{}@example.com", login),
              .time_zone = zone};
}

struct Builder {
  Site& site;
  Project& project;
  const std::vector<std::string>& team;
  Rng& rng;
  std::vector<std::string> ids;  // issue ids by draft index

  void Add(const Draft& draft, std::size_t index) {
    Issue issue;
    issue.id = site.NewId();
    issue.key = fmt::format("{}-{}", project.key, project.next_number++);
    issue.project_id = project.id;
    issue.issue_type_id = FindIssueType(draft.type)->id;
    issue.summary = draft.summary;
    issue.description = Describe(draft, rng);
    issue.priority_id = std::to_string(1 + rng.Below(5));
    issue.reporter = team[rng.Below(team.size())];
    issue.assignee = rng.Below(6) == 0 ? "" : team[rng.Below(team.size())];
    issue.created = kEpoch + static_cast<std::int64_t>(index) * 7 * kHour +
                    static_cast<std::int64_t>(rng.Below(60)) * 60000;
    issue.updated = issue.created + static_cast<std::int64_t>(1 + rng.Below(72)) * kHour;
    for (std::string_view rest = draft.labels; !rest.empty();) {
      const auto comma = rest.find(',');
      issue.labels.emplace_back(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
    }
    if (draft.parent >= 0) {
      issue.parent_id = ids.at(static_cast<std::size_t>(draft.parent));
    }
    SetStatus(issue);
    ids.push_back(issue.id);
    site.issues.push_back(std::move(issue));
  }

  void SetStatus(Issue& issue) {
    static constexpr const char* kStatusIds[] = {"10000", "10000", "3", "10001", "10002", "10002"};
    issue.status_id = kStatusIds[rng.Below(std::size(kStatusIds))];
    if (issue.status_id == "10002") {
      issue.resolution_id = rng.Below(8) == 0 ? "10001" : "10000";
      issue.resolved = issue.updated;
    }
  }
};

void AddComments(Site& site, const std::vector<std::string>& team, Rng& rng, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    Issue& issue = site.issues[rng.Below(site.issues.size())];
    const std::int64_t when = issue.created + static_cast<std::int64_t>(1 + rng.Below(48)) * kHour;
    issue.comments.push_back(
        Comment{.id = site.NewId(),
                .author = team[rng.Below(team.size())],
                .body = AdfDoc({AdfParagraph(kComments[rng.Below(std::size(kComments))])}),
                .created = when,
                .updated = when});
  }
}

void AddWorklogs(Site& site, const std::vector<std::string>& team, Rng& rng, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    Issue& issue = site.issues[rng.Below(site.issues.size())];
    const std::int64_t when = issue.created + static_cast<std::int64_t>(2 + rng.Below(24)) * kHour;
    issue.worklogs.push_back(Worklog{.id = site.NewId(),
                                     .author = team[rng.Below(team.size())],
                                     .comment = AdfDoc({AdfParagraph("Worked on it.")}),
                                     .started = when,
                                     .seconds = static_cast<std::int64_t>(1 + rng.Below(8)) * 1800,
                                     .created = when,
                                     .updated = when});
  }
}

void AddLink(Site& site, const char* type, std::size_t inward, std::size_t outward) {
  site.links.push_back(Link{.id = site.NewId(),
                            .type_id = FindLinkType(type)->id,
                            .inward_issue_id = site.issues[inward].id,
                            .outward_issue_id = site.issues[outward].id});
}

// Done work sits in the closed sprint, ongoing work in the active one, some open work in the
// future sprint; the rest stays in the backlog.
void PlanSprints(Site& site, const Project& project, Rng& rng) {
  for (auto& issue : site.issues) {
    if (issue.project_id != project.id || issue.issue_type_id == "10000" ||
        issue.issue_type_id == "10004") {
      continue;
    }
    if (issue.status_id == "10002") {
      issue.sprint_id = rng.Below(3) == 0 ? 2 : 1;
    } else if (issue.status_id == "3" || issue.status_id == "10001") {
      issue.sprint_id = 2;
    } else {
      issue.sprint_id = rng.Below(2) == 0 ? 3 : 0;
    }
  }
}

Site SeedAcme(const std::vector<std::string>& team, Rng& rng) {
  Site site{.cloud_id = "6c1f7c1e-2f5b-4c1d-9a51-3d2c9e6b7a10",
            .name = "acme",
            .url = "https://acme.atlassian.net"};
  site.projects.push_back(Project{.id = "10000",
                                  .key = "MOB",
                                  .name = "Mobile App",
                                  .type = "software",
                                  .lead = team[0],
                                  .description = "The customer app for iOS and Android.",
                                  .issue_type_ids = {"10000", "10001", "10002", "10003", "10004"}});
  site.projects.push_back(Project{.id = "10001",
                                  .key = "MKT",
                                  .name = "Marketing Launch",
                                  .type = "business",
                                  .lead = team[2],
                                  .description = "Everything for the spring launch campaign.",
                                  .issue_type_ids = {"10002", "10004"}});

  Builder mobile{site, site.projects[0], team, rng, {}};
  for (std::size_t i = 0; i < std::size(kMobile); ++i) {
    mobile.Add(kMobile[i], i);
  }
  site.issues[3].custom[std::string(kStoryPointsField)] = 5;
  site.issues[4].custom[std::string(kStoryPointsField)] = 8;
  site.issues[8].custom[std::string(kStoryPointsField)] = 3;
  Builder marketing{site, site.projects[1], team, rng, {}};
  for (std::size_t i = 0; i < std::size(kMarketing); ++i) {
    marketing.Add(kMarketing[i], i + std::size(kMobile));
  }

  site.boards.push_back(
      Board{.id = 1, .name = "MOB board", .type = "scrum", .project_id = site.projects[0].id});
  site.sprints.push_back(Sprint{.id = 1,
                                .board_id = 1,
                                .name = "MOB Sprint 1",
                                .state = "closed",
                                .goal = "Offline cache spike and onboarding copy",
                                .start = kEpoch,
                                .end = kEpoch + 14 * kDay,
                                .complete = kEpoch + 14 * kDay + 2 * kHour});
  site.sprints.push_back(Sprint{.id = 2,
                                .board_id = 1,
                                .name = "MOB Sprint 2",
                                .state = "active",
                                .goal = "Offline edits and the new welcome carousel",
                                .start = kEpoch + 14 * kDay,
                                .end = kEpoch + 28 * kDay});
  site.sprints.push_back(Sprint{.id = 3,
                                .board_id = 1,
                                .name = "MOB Sprint 3",
                                .state = "future",
                                .goal = "Payments v2 beta"});
  PlanSprints(site, site.projects[0], rng);

  AddLink(site, "Blocks", 16, 13);   // checkout threat model blocks Apple Pay
  AddLink(site, "Blocks", 6, 3);     // the database choice blocks the cache
  AddLink(site, "Relates", 29, 18);  // slow start relates to the rotation crash
  AddLink(site, "Relates", 26, 25);  // the VoiceOver bug relates to the labels task
  AddLink(site, "Relates", 55, 2);   // the payments FAQ relates to the epic
  AddComments(site, team, rng, 36);
  AddWorklogs(site, team, rng, 12);
  return site;
}

Site SeedLabs(const std::vector<std::string>& team, Rng& rng) {
  Site site{.cloud_id = "b7d8e9f0-1a2b-4c3d-8e4f-5a6b7c8d9e01",
            .name = "acme-labs",
            .url = "https://acme-labs.atlassian.net"};
  site.projects.push_back(Project{.id = "10000",
                                  .key = "OPS",
                                  .name = "Operations",
                                  .type = "software",
                                  .lead = team[0],
                                  .description = "Infrastructure chores for the labs cluster.",
                                  .issue_type_ids = {"10002", "10003", "10004"}});
  Builder ops{site, site.projects[0], team, rng, {}};
  for (std::size_t i = 0; i < std::size(kOperations); ++i) {
    ops.Add(kOperations[i], i);
  }
  site.boards.push_back(
      Board{.id = 2, .name = "OPS board", .type = "kanban", .project_id = site.projects[0].id});
  AddComments(site, team, rng, 4);
  return site;
}

}  // namespace

Json AdfText(const std::string& text) { return {{"type", "text"}, {"text", text}}; }

Json AdfParagraph(const std::string& text) {
  return {{"type", "paragraph"}, {"content", Json::array({AdfText(text)})}};
}

Json AdfDoc(Json content) {
  return {{"type", "doc"}, {"version", 1}, {"content", std::move(content)}};
}

State SeedState(std::uint32_t seed) {
  Rng rng(seed);
  State state;
  state.users = {
      MakeUser("alice", "Alice Nguyen", "Europe/Berlin", "5f3c9a1e2b7d4c0012a1b001"),
      MakeUser("bob", "Bob Okafor", "Europe/London", "5f3c9a1e2b7d4c0012a1b002"),
      MakeUser("carol", "Carol Martins", "America/New_York", "5f3c9a1e2b7d4c0012a1b003"),
      MakeUser("dana", "Dana Whitfield", "Europe/Berlin", "5f3c9a1e2b7d4c0012a1b004"),
      MakeUser("erik", "Erik Lindqvist", "Europe/Stockholm", "5f3c9a1e2b7d4c0012a1b005"),
      MakeUser("farah", "Farah Haddad", "Asia/Dubai", "5f3c9a1e2b7d4c0012a1b006"),
  };
  state.users[0].admin = true;
  state.users[4].denied_by_policy = "contractors-no-jira";
  state.users[5].consented = false;

  std::vector<std::string> team;
  team.reserve(state.users.size());
  for (const auto& user : state.users) {
    team.push_back(user.account_id);
  }
  state.sites.push_back(SeedAcme(team, rng));
  state.sites.push_back(SeedLabs({team[0], team[1], team[3]}, rng));

  for (auto& user : state.users) {
    user.sites.push_back(state.sites[0].cloud_id);
  }
  state.users[0].sites.push_back(state.sites[1].cloud_id);
  return state;
}

}  // namespace sandbox
