#pragma once

#include <QLoggingCategory>

// Logging categories of the client library (enable with
// QT_LOGGING_RULES="farmchat.client.*.debug=true").
Q_DECLARE_LOGGING_CATEGORY(lcHubConnection)
Q_DECLARE_LOGGING_CATEGORY(lcChatClient)
