#include "client/logging_p.h"

Q_LOGGING_CATEGORY(lcHubConnection, "farmchat.client.hub", QtWarningMsg)
Q_LOGGING_CATEGORY(lcChatClient, "farmchat.client.chat", QtWarningMsg)
