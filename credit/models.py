"""Every feature package's models, imported in one place for Alembic, the app and the tests."""

import credit.annual_reports.models
import credit.board.models
import credit.cases.models
import credit.data_errors.models
import credit.enterprise_accounts.models
import credit.freshness.models
import credit.grids.models
import credit.monitoring.hotspot_models
import credit.monitoring.models
import credit.notify.models
import credit.obligations.models
import credit.partners.models
import credit.places.models
import credit.pledges.models
import credit.ratings.models
import credit.records.models
import credit.replies.models
import credit.rewards.models
import credit.sources.models
import credit.supervision.models
import credit.temporary_reports.models
import credit.tipoffs.models
import credit.transfers.models  # noqa: F401
