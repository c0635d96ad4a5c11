-- Idempotent: roles and databases for the local PostgreSQL; postgres.sh runs it on every start.
-- The tradewatch role may create databases so that tests can make throwaway ones.
SELECT 'CREATE ROLE tradewatch LOGIN CREATEDB PASSWORD ''tradewatch'''
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tradewatch')\gexec

SELECT 'CREATE DATABASE tradewatch OWNER tradewatch'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'tradewatch')\gexec

SELECT 'CREATE DATABASE tradewatch_test OWNER tradewatch'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'tradewatch_test')\gexec
