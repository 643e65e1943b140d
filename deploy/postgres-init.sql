-- The second database: Rasa's conversations (the queue lives in POSTGRES_DB, "assistant").
CREATE DATABASE rasa OWNER assistant;
