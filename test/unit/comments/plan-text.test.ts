import { describe, expect, it } from 'vitest';
import { diffMarkers, planDiff, trimPlan } from '../../../src/comments/plan-text.js';

const PLAN = `OpenTofu used the selected providers to generate the following execution
plan. Resource actions are indicated with the following symbols:
  + create
  ~ update in-place
-/+ destroy and then create replacement

OpenTofu will perform the following actions:

  # terraform_data.a will be created
  + resource "terraform_data" "a" {
      + id     = (known after apply)
      + input  = "hello"
    }

Plan: 1 to add, 0 to change, 0 to destroy.
`;

describe('plan text', () => {
  it('keeps only the actions and what follows', () => {
    expect(trimPlan(PLAN)).toBe(
      '  # terraform_data.a will be created\n  + resource "terraform_data" "a" {\n      + id     = (known after apply)\n      + input  = "hello"\n    }\n\nPlan: 1 to add, 0 to change, 0 to destroy.',
    );
  });

  it('keeps output-only plans from "Changes to Outputs"', () => {
    expect(trimPlan('preamble\n\nChanges to Outputs:\n  + a = 1\r\n')).toBe('Changes to Outputs:\n  + a = 1');
  });

  it('keeps text it does not recognise, minus colour codes', () => {
    expect(trimPlan('\u001b[1msomething else\u001b[0m\n\n')).toBe('something else');
  });

  it.each([
    ['  + resource "x" "y" {', '+   resource "x" "y" {'],
    ['      ~ input  = "a" -> "b"', '!       input  = "a" -> "b"'],
    ['      - tags = {} -> null', '-       tags = {} -> null'],
    ['-/+ resource "x" "y" {', '-/+ resource "x" "y" {'],
    ['  -/+ resource "x" "y" {', '-/+   resource "x" "y" {'],
    ['  +/- resource "x" "y" {', '+/-   resource "x" "y" {'],
    [' <= data "x" "y" {', ' <= data "x" "y" {'],
    ['  # x will be created', '  # x will be created'],
    ['    }', '    }'],
    ['Plan: 1 to add, 0 to change, 0 to destroy.', 'Plan: 1 to add, 0 to change, 0 to destroy.'],
    ['  --- not a marker', '  --- not a marker'],
  ])('moves the marker of %j to the line start', (line, expected) => {
    expect(diffMarkers(line)).toBe(expected);
  });

  it('planDiff does both', () => {
    expect(planDiff(PLAN).split('\n')[1]).toBe('+   resource "terraform_data" "a" {');
  });
});
